// The pad's side panels: the pick list, network-wide stock by SKU or barcode, low-stock alerts.
// Fields another part of the API adds (variant(sku:|barcode:), lowStockAlerts) are used when the
// server has them: clerks may not introspect, so the pad asks and looks at the answer.
import { $, el } from "./dom.js";
import { LiveSubscription } from "./graphql.js";
import { ALERTS, LOW_STOCK_FEED, MEMBER_LOOKUP, PICK_LIST, RECOMMEND, SEARCH, VARIANT_BY_CODE } from "./queries.js";

export async function loadPickList(api, state) {
  const { data } = await api.query(PICK_LIST, { store: state.store.id });
  $("picklist").replaceChildren(
    ...data.pickList.map((line) =>
      el("tr", {}, el("td", {}, line.variant.sku), el("td", {}, line.variant.title),
        el("td", { class: "num" }, String(line.quantity)), el("td", {}, line.orders.map((o) => o.number).join(", "))),
    ),
  );
}

export async function lookUpStock(api, state, event) {
  event.preventDefault();
  const code = $("stock-code").value.trim();
  const out = $("stock-result");
  if (!code) return;
  let variants = [];
  if (state.features.variantByCode) {
    const byBarcode = /^\d{8,14}$/.test(code);
    const { data } = await api.query(VARIANT_BY_CODE, byBarcode ? { barcode: code } : { sku: code });
    variants = data.variant ? [data.variant] : [];
  } else {
    const { data } = await api.query(SEARCH, { q: code });
    const all = data.products.edges.flatMap((e) => e.node.variants);
    const exact = all.filter((v) => v.sku === code || v.barcode === code);
    variants = exact.length ? exact : all;
  }
  if (!variants.length) {
    out.replaceChildren(el("p", { class: "empty" }, `Nothing found for ${code}.`));
    return;
  }
  out.replaceChildren(...variants.map((v) => el("div", {},
    el("p", { class: "variant-title" }, `${v.title} (${v.sku}${v.barcode ? ` · ${v.barcode}` : ""})`),
    el("table", { class: "grid" }, el("thead", {}, el("tr", {}, ["Store", "Available", "On hand", "Reserved"].map((h) => el("th", {}, h)))),
      el("tbody", {}, [...v.stock].sort((a, b) => b.available - a.available).map((s) =>
        el("tr", {}, el("td", {}, `${s.store.code} · ${s.store.name}`), el("td", { class: "num" }, String(s.available)),
          el("td", { class: "num" }, String(s.onHand)), el("td", { class: "num" }, String(s.reserved)))))),
  )));
}

export async function detectFeatures(api, state) {
  state.features.variantByCode = await api.hasField(`{ variant(sku: "-") { id } }`);
  state.features.alerts = await api.hasField(`{ lowStockAlerts(first: 1) { edges { cursor } } }`);
  $("alerts-tab").hidden = !state.features.alerts;
  if (state.alertFeed) state.alertFeed.stop(); // another store was open before
  clearInterval(state.alertTimer);
  if (state.features.alerts) {
    await loadAlerts(api, state);
    // raised alerts arrive live (lowStock); a resolved one is not pushed, the poll takes it off the list
    state.alertFeed = new LiveSubscription({
      getToken: () => state.token,
      query: LOW_STOCK_FEED,
      variables: { stores: [state.store.id] },
      onState: () => {},
      onData: () => loadAlerts(api, state).catch(() => {}),
      onLive: () => loadAlerts(api, state).catch(() => {}),
      onAuthFailure: () => {}, // the order feed signs the pad out
    });
    state.alertFeed.start();
    state.alertTimer = setInterval(() => loadAlerts(api, state).catch(() => {}), 30000);
  }
}

export async function loadAlerts(api, state) {
  const { data } = await api.query(ALERTS, { stores: [state.store.id] });
  const alerts = data.lowStockAlerts.edges.map((e) => e.node);
  $("alert-count").textContent = String(alerts.length);
  $("alerts").replaceChildren(...alerts.map((a) => el("tr", {}, el("td", {}, a.variant.sku),
    el("td", {}, a.variant.title), el("td", { class: "num" }, String(a.onHand)),
    el("td", { class: "num" }, String(a.reserved)), el("td", { class: "num" }, String(a.safetyStock)),
    el("td", {}, new Date(a.raisedAt).toLocaleString()))));
}

/** The member at the counter by phone, store card or member number (each look-up is audited), with
 * what they tried on and what to suggest to them. */
export async function lookUpMember(api, event) {
  event.preventDefault();
  const key = $("member-key").value.trim().replace(/[\s-]/g, "");
  const out = $("member-result");
  if (!key) return;
  const variables = /^(\+?86)?1\d{10}$/.test(key) ? { phone: key } : /^\d{8,20}$/.test(key) ? { card: key } : { number: key };
  const result = await api.request(MEMBER_LOOKUP, variables);
  if (result.errors.length) {
    out.replaceChildren(el("p", { class: "result bad" }, result.errors[0].message));
    return;
  }
  const member = result.data.memberLookup;
  if (!member) {
    out.replaceChildren(el("p", { class: "empty" }, "No member has that phone, card or number."));
    return;
  }
  const { data } = await api.query(RECOMMEND, { member: member.id });
  out.replaceChildren(
    el("p", { class: "variant-title" }, `${member.displayName || ""} ${member.memberNumber} · ${member.tier} · ${member.pointsBalance} points`),
    el("h3", {}, "Tried on"),
    member.tryOns.length
      ? el("ul", {}, member.tryOns.map((t) => el("li", {}, `${t.variant.title} (${t.variant.sku}) at ${t.store.name}, ${new Date(t.at).toLocaleDateString()}${t.purchased ? " · bought" : ""}`)))
      : el("p", { class: "empty" }, "Nothing recorded."),
    el("h3", {}, "Suggest"),
    data.recommendations.length
      ? el("ul", { id: "recommendations" }, data.recommendations.map((r) => el("li", {}, `${r.variant.title} (${r.variant.sku}): ${r.reason}`)))
      : el("p", { class: "empty" }, "Nothing to suggest yet."),
  );
}
