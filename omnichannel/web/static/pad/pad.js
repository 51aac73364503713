// The clerk pad: sign in (or a kiosk token in the URL fragment), the store's live order feed,
// picking, ready, hand-over by pickup code, sales at the till, pick list, network-wide stock, low-stock alerts.
import { $, el, notice, show } from "./dom.js";
import { Api, AuthError, LiveSubscription, tokenClaims } from "./graphql.js";
import { addToSale, findTillMember, openTill, sell } from "./till.js";
import { detectFeatures, loadAlerts, loadPickList, lookUpMember, lookUpStock } from "./tools.js";
import {
  CHANGED_ORDERS,
  FEED,
  HAND_OVER,
  ME,
  MOVE,
  OPEN_ORDERS,
  SIGN_IN,
  STORES,
} from "./queries.js";

const TOKEN_KEY = "omnichannel.pad.token";
const STORE_ROLES = new Set(["CLERK", "STORE_MANAGER"]);
const TODO = new Set(["PENDING", "PICKING", "READY_FOR_PICKUP"]);
const CATCH_UP_MARGIN_MS = 5000;

const api = new Api(() => state.token);
const state = { token: null, kiosk: false, staff: null, store: null, orders: new Map(), feed: null, syncedAt: null,
  expiryTimer: null, features: { variantByCode: null, alerts: null }, alertTimer: null, alertFeed: null };

function setConnection(stateName) {
  $("connection").dataset.state = stateName;
  $("connection").textContent = { live: "live", connecting: "connecting…", reconnecting: "reconnecting…", offline: "offline" }[stateName];
}

// ---- signing in -------------------------------------------------------------------------------

function keepToken(token) {
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  clearTimeout(state.expiryTimer);
  const claims = tokenClaims(token);
  if (claims && claims.exp) {
    const ms = claims.exp * 1000 - Date.now();
    state.expiryTimer = setTimeout(() => signedOut("Your sign-in has expired."), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
  }
}

function signedOut(reason) {
  if (state.feed) state.feed.stop();
  state.feed = null;
  clearTimeout(state.expiryTimer);
  clearInterval(state.alertTimer);
  if (state.alertFeed) state.alertFeed.stop();
  state.alertFeed = null;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(`${TOKEN_KEY}.kiosk`);
  const wasKiosk = state.kiosk;
  Object.assign(state, { token: null, kiosk: false, staff: null, store: null, syncedAt: null });
  state.orders.clear();
  $("sign-out").hidden = true;
  $("store-name").textContent = "";
  $("staff-name").textContent = "";
  setConnection("offline");
  if (reason) notice(wasKiosk ? `${reason} This kiosk link no longer works: open a new one, or sign in.` : `${reason} Sign in again.`);
  show("sign-in-view");
  $("email").focus();
}

async function signIn(event) {
  event.preventDefault();
  notice("");
  try {
    const { data } = await api.query(SIGN_IN, { email: $("email").value, password: $("password").value });
    const result = data.signIn;
    if (result.userErrors.length) {
      notice(result.userErrors[0].message);
      return;
    }
    $("password").value = "";
    keepToken(result.token);
    await signedIn(result.staff);
  } catch (error) {
    notice(error.message);
  }
}

async function signedIn(staff) {
  state.staff = staff;
  $("staff-name").textContent = `${staff.name} · ${staff.role.replace("_", " ").toLowerCase()}`;
  $("sign-out").hidden = false;
  if (state.kiosk && STORE_ROLES.has(staff.role) && staff.store) {
    await openStore(staff.store); // kiosk: straight to the token's store, nothing to pick
    return;
  }
  await chooseStore();
}

async function chooseStore() {
  const select = $("store-select");
  select.replaceChildren();
  let stores;
  if (STORE_ROLES.has(state.staff.role)) {
    stores = state.staff.store ? [state.staff.store] : [];
  } else {
    const { data } = await api.query(STORES);
    stores = data.stores.edges.map((e) => e.node).filter((s) => s.kind === "STORE");
  }
  for (const store of stores) select.append(el("option", { value: store.id }, `${store.code} · ${store.name}`));
  select._stores = stores;
  if (!stores.length) notice("Your account has no store to work at.");
  show("store-view");
}

// ---- the store's orders -----------------------------------------------------------------------

async function openStore(store) {
  state.store = store;
  state.orders.clear();
  $("store-name").textContent = `${store.code} · ${store.name}`;
  show("pad-view");
  selectTab("orders");
  await loadOpenOrders();
  state.feed = new LiveSubscription({
    getToken: () => state.token,
    query: FEED,
    variables: { store: store.id },
    onState: setConnection,
    onData: (data) => upsert(data.storeOrders.order, true),
    onLive: () => catchUp().catch(reportError),
    onAuthFailure: (message) => signedOut(message),
  });
  state.feed.start();
  detectFeatures(api, state).catch(() => {});
}

async function loadOpenOrders() {
  let after = null;
  let serverTime = null;
  for (let page = 0; page < 25; page += 1) {
    const result = await api.query(OPEN_ORDERS, { store: state.store.id, after });
    serverTime = serverTime || result.serverTime;
    const connection = result.data.orders;
    for (const edge of connection.edges) upsert(edge.node, false);
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  state.syncedAt = new Date(serverTime.getTime() - CATCH_UP_MARGIN_MS);
  render();
}

/** After (re)subscribing: every order of the store changed since the last sync (the feed may have missed them). */
async function catchUp() {
  if (!state.syncedAt) return;
  let after = null;
  let serverTime = null;
  for (let page = 0; page < 20; page += 1) {
    const result = await api.query(CHANGED_ORDERS, { store: state.store.id, since: state.syncedAt.toISOString(), after });
    serverTime = serverTime || result.serverTime;
    for (const edge of result.data.orders.edges) upsert(edge.node, true);
    if (!result.data.orders.pageInfo.hasNextPage) break;
    after = result.data.orders.pageInfo.endCursor;
  }
  state.syncedAt = new Date(serverTime.getTime() - CATCH_UP_MARGIN_MS);
}

function here(order) {
  return (order.fulfillments || []).find((f) => f.store && f.store.id === state.store.id);
}

function upsert(order, fresh) {
  const known = state.orders.get(order.id);
  if (known && known.updatedAt > order.updatedAt) return; // an older snapshot arrived late
  const fulfillment = here(order);
  const todo = order.paidAt && fulfillment && TODO.has(fulfillment.status) && !["CANCELLED", "EXPIRED", "COMPLETED"].includes(order.status);
  if (todo) state.orders.set(order.id, { ...order, fresh: fresh && !known });
  else state.orders.delete(order.id);
  render();
}

function render() {
  const list = $("orders");
  const orders = [...state.orders.values()].sort((a, b) => (a.paidAt < b.paidAt ? -1 : 1));
  list.replaceChildren(...orders.map(orderCard));
  $("no-orders").hidden = orders.length > 0;
  $("todo-count").textContent = String(orders.length);
  for (const order of orders) order.fresh = false;
}

function orderCard(order) {
  const fulfillment = here(order);
  const who = order.member ? `${order.member.displayName || ""} ${order.member.memberNumber}`.trim() : "walk-in";
  const actions = [];
  // PICKUP by transfer: nothing to pick until the transfer arrives (the feed says when: STATUS_CHANGED)
  if (fulfillment.awaitingTransfer) actions.push(el("span", { class: "meta", dataset: { awaiting: "transfer" } }, "waiting for a transfer from another store"));
  else if (fulfillment.status === "PENDING") actions.push(button("Start picking", () => move("startPicking", fulfillment.id), "start-picking"));
  if (fulfillment.mode === "PICKUP" && fulfillment.status !== "READY_FOR_PICKUP" && !fulfillment.awaitingTransfer) {
    actions.push(button("Mark ready", () => move("markReadyForPickup", fulfillment.id), "mark-ready"));
  }
  if (fulfillment.mode !== "PICKUP") actions.push(button("Shipped", () => move("markShipped", fulfillment.id), "mark-shipped"));
  if (fulfillment.status === "READY_FOR_PICKUP") actions.push(el("span", { class: "meta" }, "waiting for the customer's code"));
  return el(
    "li",
    { class: `order${order.fresh ? " fresh" : ""}`, dataset: { orderNumber: order.number, fulfillmentStatus: fulfillment.status } },
    el("header", {}, el("span", { class: "number" }, order.number), el("span", { class: "status" }, fulfillment.status.replaceAll("_", " "))),
    el("div", { class: "meta" }, `${order.fulfillmentMode} · ${order.channel} · ${who} · paid ${new Date(order.paidAt).toLocaleTimeString()}`),
    el("ul", {}, fulfillment.lines.map((l) => el("li", {}, `${l.quantity} × ${l.variant.title} (${l.variant.sku})`))),
    el("div", { class: "actions" }, actions),
  );
}

function button(label, action, name) {
  const node = el("button", { type: "button", dataset: { action: name } }, label);
  node.addEventListener("click", async () => {
    node.disabled = true;
    try {
      await action();
    } finally {
      node.disabled = false;
    }
  });
  return node;
}

async function move(field, fulfillmentId) {
  try {
    const { data } = await api.query(MOVE(field), { id: fulfillmentId });
    const result = data[field];
    if (result.userErrors.length) notice(result.userErrors[0].message);
    else upsert(result.fulfillment.order, false);
  } catch (error) {
    reportError(error);
  }
}

// ---- hand over --------------------------------------------------------------------------------

async function handOver(event) {
  event.preventDefault();
  const input = $("pickup-code");
  const out = $("handover-result");
  const code = input.value.trim();
  if (!code) return;
  try {
    const { data } = await api.query(HAND_OVER, { store: state.store.id, code });
    const result = data.completePickup;
    if (result.userErrors.length) {
      out.className = "result bad";
      out.textContent = result.userErrors[0].message;
    } else {
      out.className = "result ok";
      out.textContent = `Handed over: order ${result.order.number}.`;
      upsert(result.order, false);
      input.value = "";
    }
  } catch (error) {
    reportError(error);
  }
  input.focus(); // the scanner's next code goes straight in
}

function selectTab(name) {
  for (const tab of document.querySelectorAll(".tabs button")) tab.classList.toggle("active", tab.dataset.tab === name);
  for (const panel of document.querySelectorAll(".panel")) panel.hidden = panel.dataset.panel !== name;
  if (name === "handover") $("pickup-code").focus();
  if (name === "picklist") loadPickList(api, state).catch(reportError);
  if (name === "till") openTill(state);
  if (name === "stock") $("stock-code").focus();
  if (name === "member") $("member-key").focus();
  if (name === "alerts") loadAlerts(api, state).catch(reportError);
}

function reportError(error) {
  if (error instanceof AuthError) signedOut(error.message);
  else notice(error.message);
}

// ---- start --------------------------------------------------------------------------------------

async function start() {
  $("sign-in-form").addEventListener("submit", signIn);
  $("store-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const store = $("store-select")._stores.find((s) => s.id === $("store-select").value);
    if (store) openStore(store).catch(reportError);
  });
  $("sign-out").addEventListener("click", () => signedOut(null));
  $("handover-form").addEventListener("submit", handOver);
  $("stock-form").addEventListener("submit", (event) => lookUpStock(api, state, event).catch(reportError));
  $("member-form").addEventListener("submit", (event) => lookUpMember(api, event).catch(reportError));
  $("till-add-form").addEventListener("submit", (event) => addToSale(api, state, event).catch(reportError));
  $("till-member-form").addEventListener("submit", (event) => findTillMember(api, state, event).catch(reportError));
  $("till-sell-form").addEventListener("submit", (event) => sell(api, state, event).catch(reportError));
  $("refresh-picklist").addEventListener("click", () => loadPickList(api, state).catch(reportError));
  for (const tab of document.querySelectorAll(".tabs button")) tab.addEventListener("click", () => selectTab(tab.dataset.tab));
  // for support staff (and the pad's browser test): drop the live connection, or hold it down and bring it back
  window.omnichannelPad = {
    state,
    dropFeed: () => state.feed && state.feed.drop(),
    pauseFeed: () => state.feed && state.feed.stop(),
    resumeFeed: () => state.feed && state.feed.start(),
  };

  // Kiosk: /pad#token=<JWT>. The fragment never reaches the server; we take it and clear the address bar.
  const fragment = new URLSearchParams(location.hash.slice(1));
  const kioskToken = fragment.get("token");
  if (kioskToken) history.replaceState(null, "", location.pathname + location.search);
  state.kiosk = Boolean(kioskToken) || sessionStorage.getItem(`${TOKEN_KEY}.kiosk`) === "1";
  if (kioskToken) sessionStorage.setItem(`${TOKEN_KEY}.kiosk`, "1");
  const token = kioskToken || sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    show("sign-in-view");
    return;
  }
  keepToken(token);
  try {
    const { data } = await api.query(ME);
    if (!data.signedInStaff) throw new AuthError("This link is not a staff sign-in.");
    await signedIn(data.signedInStaff);
  } catch (error) {
    reportError(error);
  }
}

start();
