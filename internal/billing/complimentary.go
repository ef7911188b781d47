package billing

import "errors"

// ErrComplimentaryRenewal answers a reader who asks a complimentary
// subscription to renew: it has no card to charge, and ends on its date.
var ErrComplimentaryRenewal = errors.New("your subscription is complimentary: it does not renew, and ends on its date; subscribe to a plan once it has ended")
