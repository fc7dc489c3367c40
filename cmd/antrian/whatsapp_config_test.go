package main

import (
	"slices"
	"strings"
	"testing"
)

func TestWhatsAppConfig(t *testing.T) {
	load := func(vars map[string]string) (WhatsAppConfig, error) {
		c, err := LoadConfig(func(k string) string { return vars[k] })
		return c.WhatsApp, err
	}
	def, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if def.MaxTickets != 3 || def.PerMinute != 10 || !slices.Equal(def.NameUnits, []string{"*"}) || def.Secret != "" {
		t.Errorf("defaults: got %+v", def)
	}
	set, err := load(map[string]string{"ANTRIAN_WHATSAPP_SECRET": "rahasia-panjang-16", "ANTRIAN_WHATSAPP_APP_SECRET": "app",
		"ANTRIAN_WHATSAPP_VERIFY_TOKEN": "tok", "ANTRIAN_WHATSAPP_MAX_TICKETS": "0", "ANTRIAN_WHATSAPP_RATE_PER_MINUTE": "5",
		"ANTRIAN_WHATSAPP_NAME_UNITS": "UMUM, GIGI"})
	if err != nil {
		t.Fatal(err)
	}
	want := WhatsAppConfig{Secret: "rahasia-panjang-16", AppSecret: "app", VerifyToken: "tok", MaxTickets: 0, PerMinute: 5, NameUnits: []string{"UMUM", "GIGI"}}
	if set.Secret != want.Secret || set.AppSecret != want.AppSecret || set.VerifyToken != want.VerifyToken ||
		set.MaxTickets != 0 || set.PerMinute != 5 || !slices.Equal(set.NameUnits, want.NameUnits) {
		t.Errorf("set: got %+v, want %+v", set, want)
	}
	if none, _ := load(map[string]string{"ANTRIAN_WHATSAPP_NAME_UNITS": "-"}); len(none.NameUnits) != 0 {
		t.Errorf("name units -: got %v, want none", none.NameUnits)
	}
	for name, v := range map[string]string{"ANTRIAN_WHATSAPP_MAX_TICKETS": "-1", "ANTRIAN_WHATSAPP_RATE_PER_MINUTE": "banyak",
		"ANTRIAN_WHATSAPP_SECRET": "pendek"} {
		if _, err := load(map[string]string{name: v}); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: got %v, want an error naming it", name, v, err)
		}
	}
}
