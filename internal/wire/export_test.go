package wire

// RefusePrivate is the dialler's check, for tests of addresses no test
// server can listen on.
var RefusePrivate = refusePrivate
