// autocannon setupClient (loaded by path inside its worker thread, hence CommonJS): each
// connection starts its walk through the request list at a random place. Without it every
// connection starts at the first voucher and they all move in step, so the benchmark would
// measure 50 tills redeeming the same voucher at the same instant — one row lock queue —
// instead of a town's tills on different vouchers.
module.exports = function spread(client) {
  const list = client.requestIterator.requests;
  const k = Math.floor(Math.random() * list.length);
  client.setRequests([...list.slice(k), ...list.slice(0, k)]);
};
