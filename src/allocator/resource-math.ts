/** Moved to the common resource library; kept so existing imports keep working. */
export * from '../common/resources/resources.js';
