/**
 * Starts task processes from a small perl helper instead of from Node, when perl is there.
 *
 * Why: Node's spawn forks the whole executor host and then blocks its thread until the child has
 * exec'd, and opening the task's stdout and stderr (file creates, costly on many VM disks) blocks
 * it too. The perl helper is small to fork, does all of that off the host's thread, and reports the
 * process as soon as it exists — as Mesos' command executor reports TASK_RUNNING once it has
 * forked. Measured here against Node's own spawn: TASK_RUNNING sooner for a lone task, and about a
 * quarter more tasks per second in a burst, for less CPU in all. Perl is part of every Debian and
 * Ubuntu system (perl-base is essential); where it is missing, task-process.ts spawns from a worker
 * thread instead (MERIDIAN_SPAWNER=worker or inline chooses those explicitly).
 *
 * Protocol on the helper's stdin/stdout, one line each:
 *   host → helper   S <id> <hex fields: file argv0 cwd stdout stderr nargs args... nenv K=V...>
 *   helper → host   P <id> <pid>          the process exists (in its own session)
 *                   F <id> <hex message>  it could not be started (sent before its exit)
 *                   X <pid> <code> <sig>  it ended: exit code, or -1 and the signal number
 * When the host goes away (stdin closes), the helper SIGKILLs every task group it started and exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { abandonTasks, type SpawnHandlers, type SpawnRequest } from './task-launcher.js';

const PERL_SCRIPT = String.raw`
use strict; use warnings; use POSIX (); use Fcntl;
my %alive;
pipe(my $wake_r, my $wake_w) or die "pipe: $!";
for my $fh ($wake_r, $wake_w) { my $flags = fcntl($fh, F_GETFL, 0); fcntl($fh, F_SETFL, $flags | O_NONBLOCK); }
$SIG{CHLD} = sub { syswrite($wake_w, "x") };
$SIG{PIPE} = 'IGNORE';
# Reports are queued and written whole. A write to the host can block when its socket is full,
# and SIGCHLD then interrupts it (perl's handlers do not restart system calls): retry, never drop.
my $pending_out = '';
sub report { $pending_out .= $_[0] . "\n"; }
sub flush_reports {
  while (length($pending_out) > 0) {
    my $written = syswrite(STDOUT, $pending_out);
    if (defined $written) { substr($pending_out, 0, $written) = ''; next; }
    next if $!{EINTR} || $!{EAGAIN};
    kill('KILL', -$_) for keys %alive; exit(0);
  }
}
sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $status = $?;
    delete $alive{$pid};
    if (POSIX::WIFEXITED($status)) { report("X $pid " . POSIX::WEXITSTATUS($status) . " 0"); }
    else { report("X $pid -1 " . POSIX::WTERMSIG($status)); }
  }
}
sub launch {
  my ($id, $rest) = split(/ /, $_[0], 2);
  my @fields = map { pack('H*', $_) } split(/ /, $rest, -1);
  my ($file, $argv0, $cwd, $out, $err, $nargs) = splice(@fields, 0, 6);
  my @args = splice(@fields, 0, $nargs);
  my $nenv = shift(@fields);
  my @env = splice(@fields, 0, $nenv);
  my $pid = fork();
  if (!defined $pid) { report("F $id " . unpack('H*', "fork failed: $!")); report("X -$id 127 0"); return; }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT'; $SIG{PIPE} = 'DEFAULT';
    POSIX::setsid();
    # A copy of the report pipe above fd 2, which perl marks close-on-exec: it vanishes if exec works.
    open(my $channel, '>&', \*STDOUT) or POSIX::_exit(127);
    my $fail = sub { syswrite($channel, "F $id " . unpack('H*', $_[0]) . "\n"); POSIX::_exit(127); };
    open(STDIN, '<', '/dev/null') or $fail->("cannot open /dev/null: $!");
    open(my $o, '>>', $out) or $fail->("cannot open $out: $!");
    open(my $e, '>>', $err) or $fail->("cannot open $err: $!");
    chdir($cwd) or $fail->("cannot enter $cwd: $!");
    POSIX::dup2(fileno($o), 1); POSIX::dup2(fileno($e), 2);
    %ENV = ();
    for my $pair (@env) { my ($k, $v) = split(/=/, $pair, 2); $ENV{$k} = $v; }
    { no warnings; exec { $file } $argv0, @args; }
    $fail->("Failed to launch the command: $!");
  }
  $alive{$pid} = 1;
  report("P $id $pid");
  flush_reports();
}
my $buffer = '';
my $rin = '';
vec($rin, fileno(STDIN), 1) = 1;
vec($rin, fileno($wake_r), 1) = 1;
while (1) {
  my $ready = select(my $rout = $rin, undef, undef, undef);
  # Drain the wake-up pipe before reaping, never after: a child that ends in between would have
  # its wake-up drained unseen and wait, unreaped, for some later event.
  sysread($wake_r, my $drain, 4096) if $ready > 0 && vec($rout, fileno($wake_r), 1);
  reap();
  flush_reports();
  next if $ready <= 0;
  if (vec($rout, fileno(STDIN), 1)) {
    my $got = sysread(STDIN, $buffer, 262144, length($buffer));
    next if !defined($got) && ($!{EINTR} || $!{EAGAIN});
    if (!$got) { kill('KILL', -$_) for keys %alive; exit(0); }
    while ((my $end = index($buffer, "\n")) >= 0) {
      my $line = substr($buffer, 0, $end);
      substr($buffer, 0, $end + 1) = '';
      launch(substr($line, 2)) if substr($line, 0, 2) eq 'S ';
    }
  }
}
`;

interface Pending {
  id: string;
  handlers: SpawnHandlers;
  failure: string | null;
  pid: number | null;
}

const hex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');
const signalName = (number: number): string =>
  Object.entries(constants.signals).find(([, value]) => value === number)?.[0] ?? `signal ${number}`;

export class ForkServer {
  private readonly byId = new Map<string, Pending>();
  private readonly byPid = new Map<number, Pending>();
  private nextId = 1;
  private buffer = '';
  private broken = false;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => this.onData(chunk));
    child.on('error', () => this.fail());
    child.on('exit', () => this.fail());
    child.stdin?.on('error', () => this.fail());
    this.idle();
  }

  /** Starts the helper; null when perl cannot be run here. */
  static start(): ForkServer | null {
    try {
      const child = spawn('perl', ['-e', PERL_SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
      if (child.pid === undefined) {
        child.on('error', () => undefined); // ENOENT: no perl here, which the caller handles.
        return null;
      }
      return new ForkServer(child);
    } catch {
      return null;
    }
  }

  get usable(): boolean {
    return !this.broken;
  }

  spawn(request: SpawnRequest, handlers: SpawnHandlers): void {
    const id = String(this.nextId++);
    if (this.byId.size === 0 && this.byPid.size === 0) this.busy();
    const env = Object.entries(request.env).map(([name, value]) => `${name}=${value}`);
    const fields = [request.file, request.argv0, request.cwd, request.stdoutPath, request.stderrPath, String(request.args.length), ...request.args, String(env.length), ...env];
    this.byId.set(id, { id, handlers, failure: null, pid: null });
    this.child.stdin?.write(`S ${id} ${fields.map(hex).join(' ')}\n`);
  }

  /** Ends the helper, which SIGKILLs every task group it started; their ends are not reported. */
  stop(): void {
    this.broken = true;
    this.child.stdin?.end();
  }

  /** Only tasks being watched keep the host alive, not an idle helper. */
  private idle(): void {
    this.child.unref();
    (this.child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  }

  private busy(): void {
    this.child.ref();
    (this.child.stdout as unknown as { ref?: () => void } | null)?.ref?.();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      this.onLine(line.split(' '));
    }
  }

  private onLine([kind, first = '', second = '', third = '']: string[]): void {
    if (kind === 'P') {
      const pending = this.byId.get(first);
      if (!pending) return;
      pending.pid = Number(second);
      this.byPid.set(pending.pid, pending);
      pending.handlers.started(pending.pid);
    } else if (kind === 'F') {
      const pending = this.byId.get(first);
      if (pending) pending.failure = Buffer.from(second, 'hex').toString('utf8');
    } else if (kind === 'X') {
      const pid = Number(first);
      // A failed fork reports its id as a negative pid.
      const pending = pid < 0 ? this.byId.get(String(-pid)) : this.byPid.get(pid);
      if (!pending) return;
      this.byPid.delete(pid);
      this.byId.delete(pending.id);
      if (this.byId.size === 0 && this.byPid.size === 0) this.idle();
      const code = Number(second);
      if (pending.failure !== null) pending.handlers.exited({ kind: 'launch-failed', message: pending.failure });
      else if (code >= 0) pending.handlers.exited({ kind: 'exited', code });
      else pending.handlers.exited({ kind: 'signaled', signal: signalName(Number(third)) });
    }
  }

  /** The helper died: its tasks can no longer be watched, so they are ended and reported. */
  private fail(): void {
    if (this.broken) return;
    this.broken = true;
    abandonTasks(new Set([...this.byId.values(), ...this.byPid.values()]), 'The process launcher of the executor host exited');
    this.byId.clear();
    this.byPid.clear();
  }
}
