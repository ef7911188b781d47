package settings_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/settings"
)

const day = 24 * time.Hour

func TestRenewalSettingsDefaults(t *testing.T) {
	s, err := settings.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := settings.Renewals{Notice: 3 * day, Grace: 7 * day, Retries: []time.Duration{day, 3 * day, 5 * day}}
	if !reflect.DeepEqual(s.Renewals, want) {
		t.Errorf("defaults %+v, want %+v", s.Renewals, want)
	}
	for _, key := range []string{settings.KeyNoticeDays, settings.KeyGraceDays, settings.KeyRetryDays} {
		if _, known := settings.Defaults[key]; !known {
			t.Errorf("%s has no default, so an admin cannot save it", key)
		}
	}
}

func TestRenewalSettingsParse(t *testing.T) {
	s, err := settings.Parse(map[string]string{
		settings.KeyNoticeDays: "5", settings.KeyGraceDays: "10", settings.KeyRetryDays: " 2, 4 ,10",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := settings.Renewals{Notice: 5 * day, Grace: 10 * day, Retries: []time.Duration{2 * day, 4 * day, 10 * day}}
	if !reflect.DeepEqual(s.Renewals, want) {
		t.Errorf("parsed %+v, want %+v", s.Renewals, want)
	}
	s, err = settings.Parse(map[string]string{settings.KeyGraceDays: "0", settings.KeyRetryDays: ""})
	if err != nil || s.Renewals.Grace != 0 || len(s.Renewals.Retries) != 0 {
		t.Errorf("no grace and no retry: %+v, %v", s.Renewals, err)
	}
}

func TestRenewalSettingsRefuseBadValues(t *testing.T) {
	for _, c := range []struct {
		values map[string]string
		key    string
		reason string
	}{
		{map[string]string{settings.KeyNoticeDays: "0"}, settings.KeyNoticeDays, "from 1 to 14"},
		{map[string]string{settings.KeyNoticeDays: "15"}, settings.KeyNoticeDays, "from 1 to 14"},
		{map[string]string{settings.KeyNoticeDays: "three"}, settings.KeyNoticeDays, "whole number"},
		{map[string]string{settings.KeyGraceDays: "-1"}, settings.KeyGraceDays, "from 0 to 60"},
		{map[string]string{settings.KeyGraceDays: "61"}, settings.KeyGraceDays, "from 0 to 60"},
		{map[string]string{settings.KeyRetryDays: "1,3,3"}, settings.KeyRetryDays, "must increase"},
		{map[string]string{settings.KeyRetryDays: "3,1"}, settings.KeyRetryDays, "must increase"},
		{map[string]string{settings.KeyRetryDays: "0,1"}, settings.KeyRetryDays, "at least 1"},
		{map[string]string{settings.KeyRetryDays: "1,,3"}, settings.KeyRetryDays, "whole number"},
		{map[string]string{settings.KeyRetryDays: "1.5"}, settings.KeyRetryDays, "whole number"},
		{map[string]string{settings.KeyRetryDays: "1,3,8"}, settings.KeyRetryDays, "past the grace period of 7 days"},
		{map[string]string{settings.KeyGraceDays: "4"}, settings.KeyRetryDays, "day 5 is past the grace period of 4 days"},
		{map[string]string{settings.KeyGraceDays: "60", settings.KeyRetryDays: "1,2,3,4,5,6,7,8,9,10,11"}, settings.KeyRetryDays, "at most 10"},
	} {
		_, err := settings.Parse(c.values)
		if err == nil || !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%v: error %v, want one naming %s and saying %q", c.values, err, c.key, c.reason)
		}
	}
}
