package stripepay

import (
	"fmt"
	"log/slog"
)

// slogAdapter passes the client library's printf-style log lines to slog.
// Its info lines (one per request) go to debug, so that a busy gateway does
// not fill the log.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Debugf(format string, v ...any) {
	a.l.Debug("stripe: " + fmt.Sprintf(format, v...))
}
func (a slogAdapter) Infof(format string, v ...any) {
	a.l.Debug("stripe: " + fmt.Sprintf(format, v...))
}
func (a slogAdapter) Warnf(format string, v ...any) { a.l.Warn("stripe: " + fmt.Sprintf(format, v...)) }
func (a slogAdapter) Errorf(format string, v ...any) {
	a.l.Error("stripe: " + fmt.Sprintf(format, v...))
}
