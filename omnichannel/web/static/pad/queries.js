// The GraphQL documents the pad sends (one place, so the pad's reads can be checked against the schema).

export const ORDER_FIELDS = `
fragment PadOrder on Order {
  id number status channel fulfillmentMode paidAt updatedAt
  member { memberNumber displayName }
  fulfillments { id mode status awaitingTransfer store { id } lines { quantity variant { sku title } } }
}`;
export const OPEN_ORDERS = `query($store: ID!, $after: String) {
  orders(storeId: $store, status: [CONFIRMED, PICKING, READY_FOR_PICKUP], first: 40, after: $after) {
    edges { node { ...PadOrder } } pageInfo { hasNextPage endCursor } } }` + ORDER_FIELDS;
export const CHANGED_ORDERS = `query($store: ID!, $since: DateTime!, $after: String) {
  orders(storeId: $store, updatedSince: $since, first: 40, after: $after) {
    edges { node { ...PadOrder } } pageInfo { hasNextPage endCursor } } }` + ORDER_FIELDS;
export const FEED = `subscription($store: ID!) { storeOrders(storeId: $store) { kind order { ...PadOrder } } }` + ORDER_FIELDS;
export const MOVE = (field) => `mutation($id: ID!) { ${field}(input: {fulfillmentId: $id}) {
  fulfillment { id order { ...PadOrder } } userErrors { message code } } }` + ORDER_FIELDS;
export const HAND_OVER = `mutation($store: ID!, $code: String!) { completePickup(input: {storeId: $store, pickupCode: $code}) {
  order { ...PadOrder } userErrors { message code } } }` + ORDER_FIELDS;
export const SIGN_IN = `mutation($email: String!, $password: String!) { signIn(input: {email: $email, password: $password}) {
  token staff { name role store { id code name } } userErrors { message code } } }`;
export const ME = `{ signedInStaff { name role store { id code name } } }`;
export const STORES = `{ stores(first: 100) { edges { node { id code name kind } } } }`;
export const PICK_LIST = `query($store: ID!) { pickList(storeId: $store) {
  quantity variant { sku title } orders { number } } }`;
export const STOCK_FIELDS = `sku barcode title stock { available onHand reserved store { code name } }`;
export const VARIANT_BY_CODE = `query($sku: String, $barcode: String) { variant(sku: $sku, barcode: $barcode) { ${STOCK_FIELDS} } }`;
export const SEARCH = `query($q: String!) { products(first: 5, search: $q) { edges { node { variants { ${STOCK_FIELDS} } } } } }`;
export const ALERTS = `query($stores: [ID!]) { lowStockAlerts(storeIds: $stores, openOnly: true, first: 50) {
  edges { node { onHand reserved safetyStock raisedAt variant { sku title } } } } }`;
export const LOW_STOCK_FEED = `subscription($stores: [ID!]) { lowStock(storeIds: $stores) { raisedAt variant { sku } } }`;
export const MEMBER_LOOKUP = `query($phone: String, $card: String, $number: String) {
  memberLookup(phone: $phone, storeCard: $card, memberNumber: $number) {
    id memberNumber displayName tier pointsBalance
    tryOns(first: 10) { at purchased store { name } variant { sku title } } } }`;
export const RECOMMEND = `query($member: ID!) { recommendations(memberId: $member, first: 8) {
  reason variant { sku title } } }`;
export const TILL_VARIANT_FIELDS = `id sku barcode title price(channel: STORE_POS, storeId: $store) { amount }`;
export const TILL_VARIANT = `query($sku: String, $barcode: String, $store: ID!) { variant(sku: $sku, barcode: $barcode) {
  ${TILL_VARIANT_FIELDS} } }`;
export const TILL_SEARCH = `query($q: String!, $store: ID!) { products(first: 5, search: $q) { edges { node { variants {
  ${TILL_VARIANT_FIELDS} } } } } }`;
export const SELL_AT_TILL = `mutation($input: SellAtTillInput!) { sellAtTill(input: $input) {
  order { number status total { amount currency } pointsEarned } userErrors { field message code } } }`;
