package invoicepdf

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/billing"
)

// IDFromFileName reads the id out of a document's file name in a URL,
// "123.pdf"; any other name (no suffix, a sign, zero) is not one.
func IDFromFileName(name string) (int64, bool) {
	digits, isPDF := strings.CutSuffix(name, ".pdf")
	id, err := strconv.ParseInt(digits, 10, 64)
	if !isPDF || err != nil || id <= 0 || strings.HasPrefix(digits, "+") {
		return 0, false
	}
	return id, true
}

// Serve sends inv as a PDF download named after its number, for its
// reader only: never stored by a cache on the way.
func Serve(w http.ResponseWriter, r *http.Request, inv *billing.Invoice, loc *time.Location) error {
	var buf bytes.Buffer
	if err := Write(&buf, inv, loc); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(inv.Number, "/", "-")+`.pdf"`)
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes()) // a failed write means the reader went away
	}
	return nil
}
