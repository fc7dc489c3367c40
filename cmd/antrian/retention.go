package main

import (
	"context"
	"time"
)

// runRetention forgets the personal data of old tickets once an hour: a
// queue needs a phone number for a day, not for years (UU 27/2022).
func (a *App) runRetention(ctx context.Context) error {
	if a.cfg.RetentionDays <= 0 {
		return nil
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		before := a.Now().AddDate(0, 0, -a.cfg.RetentionDays).Format(time.DateOnly)
		if n, err := a.DB.ForgetPersonalData(ctx, before); err != nil {
			a.log.Warn("retention failed", "err", err)
		} else if n > 0 {
			a.log.Info("personal data of old tickets forgotten", "tickets", n, "before", before)
		}
		if n, err := a.DB.ForgetConversations(ctx, before); err != nil {
			a.log.Warn("retention of whatsapp conversations failed", "err", err)
		} else if n > 0 {
			a.log.Info("old whatsapp conversations forgotten", "conversations", n, "before", before)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
