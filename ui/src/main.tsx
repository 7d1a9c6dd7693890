/** Starts the UI: the master's event stream, the metrics sampler, and the React tree. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { startMetricsSampling } from './live/metrics.js';
import { clusterStore } from './live/store.js';
import './styles.css';

clusterStore.start('/api/v1');
startMetricsSampling();
const root = document.getElementById('root');
if (root) createRoot(root).render(<StrictMode><App /></StrictMode>);
