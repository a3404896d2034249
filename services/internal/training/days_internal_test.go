package training

import "testing"

func TestCertState(t *testing.T) {
	t.Parallel()
	const today = "2026-11-23"
	tests := []struct {
		name   string
		expire string
		want   CertStanding
	}{
		{"never expires", "", StandingCurrent},
		{"expired yesterday", "2026-11-22", StandingExpired},
		{"expires today", "2026-11-23", StandingExpiring},
		{"expires in exactly 30 days", "2026-12-23", StandingExpiring},
		{"expires in 31 days", "2026-12-24", StandingCurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := certState(tt.expire, today); got != tt.want {
				t.Errorf("certState(%q, %q) = %v, want %v", tt.expire, today, got, tt.want)
			}
		})
	}
}

func TestOverdue(t *testing.T) {
	t.Parallel()
	const today = "2026-11-23"
	for due, want := range map[string]bool{"2026-11-22": true, "2026-11-23": false, "2026-11-24": false, "": false} {
		if got := overdue(due, today); got != want {
			t.Errorf("overdue(%q, %q) = %v, want %v", due, today, got, want)
		}
	}
}

func TestExpireDay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		day    string
		months int32
		want   string
	}{
		{"2026-01-10", 12, "2027-01-10"},
		{"2026-01-31", 1, "2026-02-28"},
		{"2028-01-31", 1, "2028-02-29"},
		{"2026-11-23", 0, ""},
		{"2026-12-15", 24, "2028-12-15"},
	}
	for _, tt := range tests {
		if got := expireDay(tt.day, tt.months); got != tt.want {
			t.Errorf("expireDay(%q, %d) = %q, want %q", tt.day, tt.months, got, tt.want)
		}
	}
}
