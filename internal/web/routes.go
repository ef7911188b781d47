package web

import (
	"io/fs"
	"net/http"

	"broadsheet/internal/billing"
)

// Handler returns every page route.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	h := s.handle

	mux.HandleFunc("GET /{$}", h(s.showHome))
	mux.HandleFunc("GET /section/{slug}", h(s.showSection))
	mux.HandleFunc("GET /article/{slug}", h(s.showArticle))
	mux.HandleFunc("GET /author/{slug}", h(s.showAuthor))
	mux.HandleFunc("GET /tag/{slug}", h(s.showTag))

	mux.HandleFunc("GET /subscribe", h(s.showPlans))
	mux.HandleFunc("GET /subscribe/{plan}", h(s.showCheckout))
	mux.HandleFunc("POST /subscribe/{plan}", h(s.submitCheckout))
	mux.HandleFunc("GET "+billing.ReturnPath, h(s.returnFromCheckout))
	mux.HandleFunc("POST "+billing.ReturnPath, h(s.returnFromCheckout))
	mux.HandleFunc("GET "+billing.TestPayPath+"{key}", h(s.showTestPay))
	mux.HandleFunc("POST "+billing.TestPayPath+"{key}", h(s.submitTestPay))

	mux.HandleFunc("GET /login", h(s.showLogin))
	mux.HandleFunc("POST /login", h(s.submitLogin))
	mux.HandleFunc("POST /login/link", h(s.submitLoginLinkRequest))
	mux.HandleFunc("GET /login/link/{token}", h(s.showLoginLink))
	mux.HandleFunc("POST /login/link/{token}", h(s.submitLoginLink))
	mux.HandleFunc("POST /login/code", h(s.submitLoginCode))
	mux.HandleFunc("GET /register", h(s.showRegister))
	mux.HandleFunc("POST /register", h(s.submitRegister))
	mux.HandleFunc("POST /logout", h(s.submitLogout))
	mux.HandleFunc("GET /password/forgot", h(s.showForgotPassword))
	mux.HandleFunc("POST /password/forgot", h(s.submitForgotPassword))
	mux.HandleFunc("GET "+resetLinkPath+"{token}", h(s.showResetPassword))
	mux.HandleFunc("POST "+resetLinkPath+"{token}", h(s.submitResetPassword))

	mux.HandleFunc("GET /account", h(s.showAccount))
	mux.HandleFunc("POST /account/cancel", h(s.submitCancel))
	mux.HandleFunc("POST /account/resume", h(s.submitResume))
	mux.HandleFunc("POST /account/plan/renewal", h(s.submitSwitchAtRenewal))
	mux.HandleFunc("POST /account/plan/now", h(s.submitUpgrade))
	mux.HandleFunc("GET "+billing.CancelRenewalPath+"{token}", h(s.showCancelRenewal))
	mux.HandleFunc("POST "+billing.CancelRenewalPath+"{token}", h(s.submitCancelRenewal))
	mux.HandleFunc("POST /account/sessions/{id}/revoke", h(s.submitRevokeSession))
	mux.HandleFunc("POST /account/sessions/revoke-others", h(s.submitRevokeOtherSessions))
	mux.HandleFunc("POST /account/password", h(s.submitChangePassword))
	mux.HandleFunc("POST /account/email", h(s.submitChangeEmail))
	mux.HandleFunc("POST /account/billing", h(s.submitBillingDetails))
	mux.HandleFunc("GET /account/invoices/{file}", h(s.showInvoicePDF))
	mux.HandleFunc("GET "+emailChangeLinkPath+"{token}", h(s.showConfirmEmailChange))
	mux.HandleFunc("POST "+emailChangeLinkPath+"{token}", h(s.submitConfirmEmailChange))
	mux.HandleFunc("GET "+emailApproveLinkPath+"{token}", h(s.showApproveEmailChange))
	mux.HandleFunc("POST "+emailApproveLinkPath+"{token}", h(s.submitApproveEmailChange))
	mux.HandleFunc("POST /account/verify", h(s.submitResendVerification))
	mux.HandleFunc("GET "+verifyLinkPath+"{token}", h(s.showConfirmEmail))
	mux.HandleFunc("POST "+verifyLinkPath+"{token}", h(s.submitConfirmEmail))

	mux.HandleFunc("GET /admin", h(s.showAdmin))
	mux.HandleFunc("POST /admin/settings", h(s.submitSettings))
	mux.HandleFunc("GET /admin/outbox", h(s.showOutbox))
	mux.HandleFunc("GET /admin/staff", h(s.showStaff))
	mux.HandleFunc("POST /admin/staff", h(s.submitStaff))
	mux.HandleFunc("GET /admin/plans", h(s.showPlansAdmin))
	mux.HandleFunc("POST /admin/plans", h(s.submitNewPlan))
	mux.HandleFunc("POST /admin/plans/{id}", h(s.submitPlan))
	mux.HandleFunc("POST /admin/plans/{id}/delete", h(s.submitDeletePlan))
	mux.HandleFunc("GET /admin/reconciliation", h(s.showReconciliation))
	mux.HandleFunc("POST /admin/reconciliation/{id}/resolve", h(s.submitResolveReport))
	mux.HandleFunc("GET /admin/benefits", h(s.showBenefitsAdmin))
	mux.HandleFunc("POST /admin/benefits", h(s.submitNewBenefit))
	mux.HandleFunc("POST /admin/benefits/{id}", h(s.submitBenefit))
	mux.HandleFunc("POST /admin/benefits/{id}/delete", h(s.submitDeleteBenefit))
	mux.HandleFunc("POST /admin/benefits/{id}/move", h(s.submitMoveBenefit))
	mux.HandleFunc("GET /admin/payments", h(s.showPayments))
	mux.HandleFunc("POST /admin/payments/{id}/refund", h(s.submitRefund))
	mux.HandleFunc("POST /admin/complimentary", h(s.submitComplimentary))
	mux.HandleFunc("GET /admin/audit", h(s.showAudit))

	mux.HandleFunc("GET /admin/articles", h(s.showStories))
	mux.HandleFunc("GET /admin/articles/new", h(s.showNewStory))
	mux.HandleFunc("GET /admin/articles/{id}", h(s.showStory))
	mux.HandleFunc("GET /admin/articles/{id}/preview", h(s.showStoryPreview))
	mux.HandleFunc("POST /admin/articles/{id}/restore", h(s.submitRestore))
	mux.HandleFunc("GET /admin/picks", h(s.showPicks))
	mux.HandleFunc("POST /admin/picks/{id}", h(s.submitPick))
	mux.HandleFunc("GET /admin/authors", h(s.showAuthors))
	mux.HandleFunc("GET /admin/authors/{id}", h(s.showAuthorEdit))
	mux.HandleFunc("GET /admin/sections", h(s.showSections))
	mux.HandleFunc("POST /admin/sections", h(s.submitNewSection))
	mux.HandleFunc("POST /admin/sections/{id}", h(s.submitSection))
	mux.HandleFunc("GET /media/{name}", h(s.showMedia))

	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(static)))
	mux.HandleFunc("/", h(func(http.ResponseWriter, *http.Request) error { return notFound() }))

	// The story editor's and the author's forms carry an image: they
	// alone take files.
	uploads := http.NewServeMux()
	uploads.HandleFunc("POST /admin/authors/{id}", h(s.submitAuthor))
	uploads.HandleFunc("POST /admin/logo", h(s.submitLogo))
	uploads.HandleFunc("POST /admin/articles", h(s.submitStory))
	uploads.HandleFunc("POST /admin/articles/preview", h(s.submitPreview))
	uploads.HandleFunc("POST /admin/articles/{id}", h(s.submitStory))
	return s.guard(mux, uploads)
}
