// The till: ring up a sale at the counter (sellAtTill). Items by SKU or barcode (a scanner's Enter
// adds one more), the member at the counter if any (earns points), a coupon, the till's payment
// reference; the server prices it like every channel, takes the units off the shelf and completes it.
import { $, el } from "./dom.js";
import { MEMBER_LOOKUP, SELL_AT_TILL, TILL_SEARCH, TILL_VARIANT } from "./queries.js";

const basket = new Map(); // variant id -> { variant, quantity }
let member = null;
let saleKey = null; // one idempotency key per basket: a double tap or a retry rings it up once

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(12)); // works on a plain-http store network too
  return `pad-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function render(state) {
  const rows = [...basket.values()];
  $("till-lines").replaceChildren(...rows.map(({ variant, quantity }) =>
    el("tr", {}, el("td", {}, variant.sku), el("td", {}, variant.title), el("td", { class: "num" }, String(quantity)),
      el("td", { class: "num" }, variant.price.amount),
      el("td", {}, el("button", { type: "button", class: "small", onclick: () => { remove(variant.id); render(state); } }, "−")))));
  const total = rows.reduce((sum, { variant, quantity }) => sum + Math.round(Number(variant.price.amount) * 100) * quantity, 0);
  $("till-subtotal").textContent = rows.length ? `${rows.length} line(s) · ${(total / 100).toFixed(2)} before discounts` : "";
  $("till-member").textContent = member ? `Member ${member.memberNumber} · ${member.pointsBalance} points` : "";
  $("till-sell").disabled = rows.length === 0;
}

function remove(variantId) {
  const line = basket.get(variantId);
  if (line && line.quantity > 1) line.quantity -= 1;
  else basket.delete(variantId);
  saleKey = null; // another basket: another sale
}

async function findVariant(api, state, code) {
  if (state.features.variantByCode) {
    const byBarcode = /^\d{8,14}$/.test(code);
    const { data } = await api.query(TILL_VARIANT, { ...(byBarcode ? { barcode: code } : { sku: code }), store: state.store.id });
    return data.variant;
  }
  const { data } = await api.query(TILL_SEARCH, { q: code, store: state.store.id });
  const all = data.products.edges.flatMap((e) => e.node.variants);
  return all.find((v) => v.sku === code || v.barcode === code) || null;
}

export async function addToSale(api, state, event) {
  event.preventDefault();
  const input = $("till-code");
  const code = input.value.trim();
  const out = $("till-result");
  if (!code) return;
  const variant = await findVariant(api, state, code);
  if (!variant) {
    out.className = "result bad";
    out.textContent = `Nothing found for ${code}.`;
  } else {
    const line = basket.get(variant.id) || { variant, quantity: 0 };
    line.quantity += 1;
    basket.set(variant.id, line);
    saleKey = null;
    out.className = "result";
    out.textContent = "";
  }
  input.value = "";
  input.focus(); // the scanner's next item goes straight in
  render(state);
}

export async function findTillMember(api, state, event) {
  event.preventDefault();
  const key = $("till-member-key").value.trim().replace(/[\s-]/g, "");
  member = null;
  if (key) {
    const variables = /^(\+?86)?1\d{10}$/.test(key) ? { phone: key } : /^\d{8,20}$/.test(key) ? { card: key } : { number: key };
    const { data } = await api.query(MEMBER_LOOKUP, variables);
    member = data.memberLookup;
    if (!member) {
      $("till-result").className = "result bad";
      $("till-result").textContent = "No member has that phone, card or number.";
    }
  }
  saleKey = null;
  render(state);
}

export async function sell(api, state, event) {
  event.preventDefault();
  const out = $("till-result");
  const reference = $("till-reference").value.trim();
  if (!reference) {
    out.className = "result bad";
    out.textContent = "Enter the till's payment reference (card slip, wallet or cash receipt).";
    $("till-reference").focus();
    return;
  }
  saleKey = saleKey || newKey();
  const coupon = $("till-coupon").value.trim();
  const input = {
    storeId: state.store.id,
    lines: [...basket.values()].map(({ variant, quantity }) => ({ variantId: variant.id, quantity })),
    memberId: member ? member.id : null,
    couponCodes: coupon ? [coupon] : [],
    paymentReference: reference,
    idempotencyKey: saleKey,
  };
  $("till-sell").disabled = true;
  try {
    const { data } = await api.query(SELL_AT_TILL, { input });
    const result = data.sellAtTill;
    if (result.userErrors.length) {
      out.className = "result bad";
      out.textContent = result.userErrors.map((e) => e.message).join(" ");
      saleKey = null; // refused: nothing was written, the next try is a new sale
      return;
    }
    const order = result.order;
    out.className = "result ok";
    out.textContent = `Sold: order ${order.number}, paid ${order.total.amount} ${order.total.currency}` +
      (order.pointsEarned ? `, ${order.pointsEarned} points earned.` : ".");
    basket.clear();
    member = null;
    saleKey = null;
    for (const id of ["till-reference", "till-coupon", "till-member-key"]) $(id).value = "";
  } finally {
    render(state);
  }
}

export function openTill(state) {
  render(state);
  $("till-code").focus();
}
