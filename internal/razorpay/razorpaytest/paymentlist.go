package razorpaytest

import (
	"net/http"
	"net/url"
	"strconv"
)

// listPayments answers GET /v1/payments: every payment, failed ones too,
// newest first, count (10, at most 100) from skip, created from from to
// to (Unix seconds, both included) when they are given.
func (s *Server) listPayments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	count, skip, ok := paging(w, q.Get("count"), q.Get("skip"))
	if !ok {
		return
	}
	from, okFrom := unixArg(q, "from")
	to, okTo := unixArg(q, "to")
	if !okFrom || !okTo {
		badRequest(w, "from", "The from and to must be Unix timestamps in seconds.")
		return
	}
	if q.Has("from") && q.Has("to") && from > to {
		badRequest(w, "from", "The from must be before the to.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []*payment
	for i := len(s.payList) - 1; i >= 0; i-- {
		p := s.payList[i]
		if (q.Has("from") && p.CreatedAt < from) || (q.Has("to") && p.CreatedAt > to) {
			continue
		}
		matched = append(matched, p)
	}
	writeJSON(w, http.StatusOK, newCollection(page(matched, count, skip)))
}

// unixArg reads a Unix time argument; absent is fine.
func unixArg(q url.Values, name string) (int64, bool) {
	if !q.Has(name) {
		return 0, true
	}
	n, err := strconv.ParseInt(q.Get(name), 10, 64)
	return n, err == nil && n >= 0
}
