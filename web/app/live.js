// The one WebSocket to /ws, shared by all pages. It reconnects by itself with
// `?since=<last seq>` so no event is lost across a network blip; when the server cannot replay
// that far back it sends `reset` and subscribers refetch their state.

const listeners = new Map(); // type → Set<fn>; besides the server's types, 'reset' and 'open' are ours
let socket = null;
let lastSeq = null;
let retryDelay = 1000;
let retryTimer = null;
let connectedOnce = false;
let state = 'connecting';

const MAX_DELAY = 15000;

/** Subscribe to one event type (e.g. 'job.status'); returns the unsubscribe function. */
export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type).delete(fn);
}

/** Subscribes to several types at once: onMany({'job.status': fn, reset: fn2}). */
export function onMany(map) {
  const offs = Object.entries(map).map(([type, fn]) => on(type, fn));
  return () => offs.forEach((off) => off());
}

function emit(type, data, message) {
  for (const fn of listeners.get(type) || []) {
    try {
      fn(data, message);
    } catch (error) {
      console.error(`live listener for ${type} failed`, error);
    }
  }
}

function setState(next) {
  state = next;
  const indicator = document.getElementById('live-status');
  if (!indicator) return;
  indicator.dataset.state = next;
  indicator.textContent = next === 'open' ? 'Live' : next === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  indicator.title = next === 'open' ? 'Receiving live updates' : 'Live updates are interrupted; retrying';
}

export function liveState() {
  return state;
}

function socketUrl() {
  const url = new URL('/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  if (lastSeq !== null) url.searchParams.set('since', String(lastSeq));
  return url.toString();
}

export function connect() {
  if (socket && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)) return;
  clearTimeout(retryTimer);
  setState(connectedOnce ? 'reconnecting' : 'connecting');
  try {
    socket = new WebSocket(socketUrl());
  } catch (error) {
    console.error('WebSocket could not be created', error);
    scheduleReconnect();
    return;
  }

  socket.addEventListener('open', () => {
    const wasReconnect = connectedOnce;
    connectedOnce = true;
    retryDelay = 1000;
    setState('open');
    emit('open', { reconnect: wasReconnect });
  });

  socket.addEventListener('message', (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      console.warn('Ignoring a non-JSON WebSocket message', event.data);
      return;
    }
    if (typeof message.seq === 'number') lastSeq = message.seq;
    if (message.type === 'reset') {
      emit('reset', message);
      return;
    }
    emit(message.type, message.data, message);
  });

  socket.addEventListener('close', () => {
    socket = null;
    scheduleReconnect();
  });
  // 'error' is always followed by 'close'; reconnecting happens there.
}

function scheduleReconnect() {
  setState('reconnecting');
  clearTimeout(retryTimer);
  // Jitter keeps many tabs from reconnecting in lockstep after a server restart.
  const delay = retryDelay * (0.75 + Math.random() * 0.5);
  retryDelay = Math.min(retryDelay * 2, MAX_DELAY);
  retryTimer = setTimeout(connect, delay);
}

// Coming back online or to the tab: try at once instead of waiting out the back-off.
window.addEventListener('online', () => {
  retryDelay = 1000;
  if (!socket) connect();
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && !socket) {
    retryDelay = 1000;
    connect();
  }
});
