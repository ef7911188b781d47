package partner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"broadsheet/internal/dberr"
	"broadsheet/internal/mail"
)

// LowStockJob is the kind of job that emails the admins that an offer's
// codes left fell below its threshold. A claim queues it in its own
// transaction, keyed by the offer and the crossing (LowStockPayload is
// both its payload and its key), so each crossing is told once.
const LowStockJob = "partner-low-stock"

// LowStockPayload names an offer's nth crossing below its threshold.
func LowStockPayload(offerID int64, n int) string {
	return strconv.FormatInt(offerID, 10) + ":" + strconv.Itoa(n)
}

// SendLowStock runs a LowStockJob: it emails each admin the offer's stock
// as it is now. Each email is keyed by the crossing and the admin, so a
// job run again after a crash sends nobody a second one.
func (s *Service) SendLowStock(ctx context.Context, payload string) error {
	id, n, ok := strings.Cut(payload, ":")
	offerID, err := strconv.ParseInt(id, 10, 64)
	if _, nerr := strconv.Atoi(n); !ok || err != nil || nerr != nil {
		return fmt.Errorf("low-stock job payload %q: want offer:crossing", payload)
	}
	key := LowStockJob + ":" + payload
	o, err := s.Store.PartnerOffer(ctx, offerID)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil // the offer is gone: nothing to tell
	}
	if err != nil {
		return err
	}
	admins, err := s.Store.AdminEmails(ctx)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("The codes of the partner offer %q are running out: %d left, below the alert threshold of %d (%d claimed so far).\n\n"+
		"Import more at %s/admin/partners before they run out: subscribers who try to claim one then are told none is left.\n",
		o.Name, o.Left, o.LowStock, o.Claimed, s.BaseURL)
	for _, to := range admins {
		m := mail.Message{To: to, Subject: fmt.Sprintf("%s: %d codes left", o.Name, o.Left), Body: body, Key: key + ":" + to}
		if err := s.Mail.Send(ctx, m); err != nil {
			return err
		}
	}
	return nil
}
