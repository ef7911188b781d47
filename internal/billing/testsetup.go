package billing

// The test gateway's setups: its page saves a card without charging it.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"broadsheet/internal/dberr"
)

// TestSetupStore keeps the cards the test gateway's page saved without a
// charge, once per setup key, like a provider would.
type TestSetupStore interface {
	// TestSetup records token under key, or returns the one already
	// recorded there.
	TestSetup(ctx context.Context, key, token string, now time.Time) (string, error)
	// TestSetupByKey returns the token saved under key, or ErrNotFound.
	TestSetupByKey(ctx context.Context, key string) (string, error)
}

// TestSetupPath is where the test gateway's page for saving a card is
// served.
const TestSetupPath = "/pay/test-setup/"

// StartSetup sends the reader to the test gateway's page for saving a
// card, which Broadsheet serves at TestSetupPath.
func (g *TestGateway) StartSetup(_ context.Context, r SetupRequest) (*CheckoutPage, error) {
	return &CheckoutPage{URL: TestSetupPath + url.PathEscape(r.Key) + "?" + url.Values{"return": {r.ReturnURL}}.Encode(), Ref: r.Key}, nil
}

func (g *TestGateway) setups() (TestSetupStore, error) {
	st, ok := g.Store.(TestSetupStore)
	if !ok {
		return nil, errors.New("test gateway: its store keeps no saved cards")
	}
	return st, nil
}

// lookupSetup reads the card saved under a setup's key.
func (g *TestGateway) lookupSetup(ctx context.Context, key string) (ChargeResult, bool, error) {
	st, err := g.setups()
	if err != nil {
		return ChargeResult{}, false, err
	}
	token, err := st.TestSetupByKey(ctx, key)
	if errors.Is(err, dberr.ErrNotFound) {
		return ChargeResult{}, false, nil
	}
	if err != nil {
		return ChargeResult{}, false, fmt.Errorf("test gateway: %w", err)
	}
	return ChargeResult{Succeeded: true, Method: testMethod(token)}, true, nil
}

// TestMethodSetup is the account's open setup the test gateway's page
// shows, with the plan it pays for. ErrUnknownSetup when the test gateway
// does not serve setups here, or the account has none under key: another
// reader's setup page is not theirs to fill in.
func (s *Service) TestMethodSetup(ctx context.Context, accountID int64, key string) (*MethodSetup, *Plan, error) {
	if s.Gateway.Name() != testGatewayName {
		return nil, nil, ErrUnknownSetup
	}
	setup, err := s.Store.MethodSetupByKey(ctx, key)
	if errors.Is(err, dberr.ErrNotFound) || (err == nil && (setup.AccountID != accountID || setup.Gateway != testGatewayName)) {
		return nil, nil, ErrUnknownSetup
	}
	if err != nil {
		return nil, nil, err
	}
	sub, err := s.Store.SubscriptionByID(ctx, setup.SubscriptionID)
	if err != nil {
		return nil, nil, err
	}
	plan, err := s.Store.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return nil, nil, err
	}
	return setup, plan, nil
}

// SaveTestSetupCard saves a card on the account's setup under key, as the
// reader does on the test gateway's page: nothing is charged. A card the
// gateway refuses gives a *DeclineError and the page stays open; a setup
// that saved a card already, or closed, is ErrCheckoutClosed.
func (s *Service) SaveTestSetupCard(ctx context.Context, accountID int64, key string, card Card) error {
	setup, _, err := s.TestMethodSetup(ctx, accountID, key)
	if err != nil {
		return err
	}
	if setup.Status != SetupPending || !s.Now().Before(setup.CreatedAt.Add(CheckoutPageLifetime)) {
		return ErrCheckoutClosed
	}
	method, err := saveTestCard(card, s.Now())
	if err != nil {
		return err
	}
	g, ok := s.Gateway.(*TestGateway)
	if !ok {
		return ErrUnknownSetup
	}
	st, err := g.setups()
	if err != nil {
		return err
	}
	_, err = st.TestSetup(ctx, key, method.Token, s.Now())
	return err
}
