package stripepay

import (
	"strings"

	"github.com/stripe/stripe-go/v85"

	"broadsheet/internal/billing"
)

// tokenSep joins the two ids a renewal needs in a saved method's token:
// Stripe charges a saved payment method off-session only together with
// the Customer it is attached to. Stripe's ids never contain it.
const tokenSep = "/"

func methodToken(customerID, paymentMethodID string) string {
	return customerID + tokenSep + paymentMethodID
}

func parseToken(token string) (customerID, paymentMethodID string, ok bool) {
	customerID, paymentMethodID, ok = strings.Cut(token, tokenSep)
	ok = ok && strings.HasPrefix(customerID, "cus_") && paymentMethodID != "" && !strings.Contains(paymentMethodID, tokenSep)
	return customerID, paymentMethodID, ok
}

// savedMethod is the payment method a paid checkout's intent saved for
// renewals, or nil when Stripe names no Customer or payment method to
// charge later. The Customer is the first named of those given (the
// session's), the intent's and the payment method's.
func savedMethod(pi *stripe.PaymentIntent, customers ...*stripe.Customer) *billing.PaymentMethod {
	return methodOf(pi.PaymentMethod, append(customers, pi.Customer)...)
}

// methodOf is a saved payment method with the first Customer named of
// those given and its own, or nil when there is no method or Customer.
func methodOf(pm *stripe.PaymentMethod, customers ...*stripe.Customer) *billing.PaymentMethod {
	if pm == nil || pm.ID == "" {
		return nil
	}
	var customer string
	for _, c := range append(customers, pm.Customer) {
		if c != nil && c.ID != "" {
			customer = c.ID
			break
		}
	}
	if customer == "" {
		return nil
	}
	m := &billing.PaymentMethod{Gateway: gatewayName, Token: methodToken(customer, pm.ID), Brand: typeName(string(pm.Type))}
	if card := pm.Card; card != nil {
		m.Brand = brandName(string(card.Brand))
		m.Last4 = card.Last4
		m.ExpMonth, m.ExpYear = int(card.ExpMonth), int(card.ExpYear)
	}
	return m
}

// brands are card networks as a reader knows them.
var brands = map[string]string{
	"amex":             "American Express",
	"cartes_bancaires": "Cartes Bancaires",
	"diners":           "Diners Club",
	"discover":         "Discover",
	"eftpos_au":        "eftpos",
	"jcb":              "JCB",
	"link":             "Link",
	"mastercard":       "Mastercard",
	"rupay":            "RuPay",
	"unionpay":         "UnionPay",
	"visa":             "Visa",
}

func brandName(brand string) string {
	if name, ok := brands[brand]; ok {
		return name
	}
	if brand == "" || brand == "unknown" {
		return "Card"
	}
	return typeName(brand)
}

// typeName makes a Stripe identifier such as "us_bank_account" readable.
func typeName(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
