package billing

import "strconv"

// RenewalJob is the kind of job that runs a subscription's due renewal
// attempt, or ends a cancelled one that ran out; its payload is the
// subscription's id.
const RenewalJob = "renewal"

// RenewalJobKey names the renewal job due for sub: one per attempt while
// it renews, one ending when it does not.
func RenewalJobKey(sub *Subscription) string {
	if !sub.AutoRenew {
		return "end:" + strconv.FormatInt(sub.ID, 10)
	}
	return RenewalKey(sub)
}
