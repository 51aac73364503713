// The pad's link to the API: GraphQL over HTTP, and one graphql-transport-ws subscription that
// reconnects by itself (with backoff) and tells the caller when it is live again so it can catch up.

export class AuthError extends Error {}

const codes = (errors) => (errors || []).map((e) => e.extensions && e.extensions.code);

/** Refused because of the token (missing, expired, revoked): the pad must sign in again. */
function isAuthFailure(errors) {
  return codes(errors).includes("UNAUTHENTICATED");
}

/** The feed cannot go on with this token: not signed in, or not allowed to watch this store. */
function isFatalForFeed(errors) {
  return codes(errors).some((code) => code === "UNAUTHENTICATED" || code === "FORBIDDEN");
}

export class Api {
  constructor(getToken) {
    this.getToken = getToken;
  }

  /** Runs a query; returns {data, errors, serverTime}. A 401 (bad or expired token) throws AuthError. */
  async request(query, variables = {}) {
    const headers = { "content-type": "application/json" };
    const token = this.getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
    if (response.status === 401) throw new AuthError("Your sign-in has expired or is no longer valid.");
    const body = await response.json();
    const date = response.headers.get("date");
    return { data: body.data, errors: body.errors || [], serverTime: date ? new Date(date) : new Date() };
  }

  /** Like request, but throws on any top-level error (and AuthError on authentication/authorisation). */
  async query(query, variables = {}) {
    const result = await this.request(query, variables);
    if (result.errors.length) {
      const message = result.errors.map((e) => e.message).join("; ");
      throw isAuthFailure(result.errors) ? new AuthError(message) : new Error(message);
    }
    return result;
  }

  /** Whether the schema has this root query field (introspection is not open to clerks: we ask and see). */
  async hasField(probe) {
    const result = await this.request(probe);
    return !result.errors.some((e) => /Cannot query field/.test(e.message));
  }
}

const AUTH_CLOSE_CODES = new Set([4401, 4403]);
const MAX_BACKOFF_MS = 10000;

/**
 * One subscription over graphql-transport-ws that survives drops.
 * onState("connecting" | "live" | "reconnecting" | "offline"); onLive() after every (re)subscribe;
 * onData(data) per event; onAuthFailure(message) when the server refuses the token (no more retries).
 */
export class LiveSubscription {
  constructor({ getToken, query, variables, onData, onState, onLive, onAuthFailure }) {
    Object.assign(this, { getToken, query, variables, onData, onState, onLive, onAuthFailure });
    this.attempt = 0;
    this.stopped = false;
    this.socket = null;
    this.timer = null;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000, "bye");
    this.socket = null;
    this.onState("offline");
  }

  /** Drop the connection as a network failure would (used by the pad's own tests and the "reconnect" key). */
  drop() {
    if (this.socket) this.socket.close(4000, "dropped");
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/graphql`, "graphql-transport-ws");
    this.socket = socket;
    this.onState(this.attempt ? "reconnecting" : "connecting");
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${this.getToken()}` } }));
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      switch (message.type) {
        case "connection_ack":
          socket.send(JSON.stringify({ id: "feed", type: "subscribe", payload: { query: this.query, variables: this.variables } }));
          this.attempt = 0;
          this.onState("live");
          this.onLive();
          break;
        case "next":
          if (message.payload.errors && isFatalForFeed(message.payload.errors)) {
            this.fail(message.payload.errors[0].message);
          } else if (message.payload.data) {
            this.onData(message.payload.data);
          }
          break;
        case "error":
          if (isFatalForFeed(message.payload)) this.fail(message.payload[0].message);
          else socket.close(4000, "subscription error");
          break;
        case "complete":
          socket.close(4000, "completed by the server");
          break;
        case "ping":
          socket.send(JSON.stringify({ type: "pong" }));
          break;
        default:
          break;
      }
    };
    socket.onclose = (event) => {
      if (socket !== this.socket || this.stopped) return;
      if (AUTH_CLOSE_CODES.has(event.code)) {
        this.fail(event.reason || "Your sign-in has expired.");
        return;
      }
      this.retry();
    };
  }

  fail(message) {
    this.stopped = true;
    if (this.socket) this.socket.close(1000, "signed out");
    this.socket = null;
    this.onState("offline");
    this.onAuthFailure(message);
  }

  retry() {
    this.socket = null;
    this.attempt += 1;
    this.onState("reconnecting");
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.attempt, 6)) * (0.75 + Math.random() / 2);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

/** The claims of a JWT (not verified here: the server does that); null when it is not one. */
export function tokenClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
  } catch {
    return null;
  }
}
