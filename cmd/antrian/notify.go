package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/antrian/antrian/notify"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/ratelimit"
	"github.com/antrian/antrian/web"
	"github.com/antrian/antrian/whatsapp"
)

// notifier is the wiring of patient messages: the hook that enqueues them
// inside queue transactions, and the worker that delivers them.
type notifier struct {
	Worker      *outbox.Worker // nil when this instance does not deliver
	VAPIDPublic string
}

// setupNotify installs the outbox hook on the database and builds the
// delivery channels from the configuration.
func (a *App) setupNotify(ctx context.Context) (*notifier, error) {
	cfg := a.cfg.Notify
	pub, priv := cfg.VAPIDPublic, cfg.VAPIDPrivate
	if pub == "" {
		var keys [2]string
		b, err := a.DB.EnsureSetting(ctx, "vapid", func() ([]byte, error) {
			priv, pub, err := notify.GenerateVAPIDKeys()
			return []byte(priv + " " + pub), err
		})
		if err != nil {
			return nil, err
		}
		if _, err := fmt.Sscan(string(b), &keys[0], &keys[1]); err != nil {
			return nil, fmt.Errorf("stored VAPID keys: %w", err)
		}
		priv, pub = keys[0], keys[1]
	}
	client := &http.Client{Timeout: 10 * time.Second}
	channels := map[string]outbox.Sender{}
	if cfg.WebhookURL != "" {
		channels[notify.ChannelWebhook] = notify.NewWebhook(cfg.WebhookURL, cfg.WebhookSecret, client)
	}
	if cfg.Gateway != "" {
		preset, err := notify.Preset(cfg.Gateway)
		if err != nil {
			return nil, fmt.Errorf("ANTRIAN_GATEWAY: %w", err)
		}
		if cfg.GatewayURL != "" {
			preset.URL = cfg.GatewayURL
		}
		gw, err := notify.NewHTTPGateway(preset, notify.GatewayCredentials{Token: cfg.GatewayToken, Secret: cfg.GatewaySecret}, client)
		if err != nil {
			return nil, fmt.Errorf("ANTRIAN_GATEWAY: %w", err)
		}
		channels[cfg.GatewayChannel] = gw
	}
	push, err := notify.NewPush(a.DB, notify.PushOptions{VAPIDPublicKey: pub, VAPIDPrivateKey: priv,
		Subscriber: cfg.VAPIDSubject, Client: client})
	if err != nil {
		return nil, fmt.Errorf("web push: %w", err)
	}
	channels[notify.ChannelPush] = push

	hook := &notify.QueueHook{
		Templates:    notify.NewTemplates(a.DB),
		PhoneChannel: cfg.Channel,
		Link:         a.ticketLink,
		Log:          a.log,
	}
	a.DB.Hooks = append(a.DB.Hooks, func(ctx context.Context, tx *postgres.Tx, e queue.Event, t queue.Ticket, actor string) error {
		return hook.Event(ctx, tx, e, t, actor)
	})
	n := &notifier{VAPIDPublic: pub}
	if cfg.Worker {
		n.Worker = notify.NewWorker(a.DB.NotifyOutbox(), channels, outbox.Options{DefaultChannel: cfg.Channel, Now: a.Now}, a.log)
	}
	return n, nil
}

// whatsApp is the conversation behind the incoming WhatsApp webhooks. Its
// replies leave by the WhatsApp gateway when one is configured, otherwise by
// the generic webhook (a bridge of the deployment's own).
func (a *App) whatsApp(limiter *ratelimit.Limiter) *whatsapp.Service {
	w, n := a.cfg.WhatsApp, a.cfg.Notify
	reply := notify.ChannelWebhook
	if n.Gateway != "" && n.GatewayChannel == notify.ChannelWhatsApp {
		reply = notify.ChannelWhatsApp
	}
	return &whatsapp.Service{
		Queue: a.Queue, Store: a.DB, Limiter: limiter,
		Secrets:    whatsapp.Secrets{Shared: w.Secret, AppSecret: w.AppSecret, VerifyToken: w.VerifyToken},
		MaxTickets: w.MaxTickets, PerMinute: w.PerMinute, NameUnits: w.NameUnits, ReplyChannel: reply,
		Link: a.ticketLink,
		Text: web.Texts("id"), Now: a.Now, Log: a.log.With("component", "whatsapp"),
	}
}

// ticketLink is the tracking page of a ticket, with its token, as sent to patients.
func (a *App) ticketLink(id string) string {
	return a.cfg.PublicURL + "/t/" + id + "#" + a.Queue.Token(id)
}
