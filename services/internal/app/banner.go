package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/engagehq/engage/services/internal/config"
)

// bannerInfo is what the first start tells the person who ran it.
type bannerInfo struct {
	adminEmail    string
	adminCreated  bool
	adminPassword string // generated; printed once, never logged
	demo          *demoInfo
}

func (b bannerInfo) print(w io.Writer, p *Platform, cfg config.Config) {
	var sb strings.Builder
	sb.WriteString("\nEngage is running.\n")
	if p.HTTPAddr != nil {
		base := "http://" + p.HTTPAddr.String()
		fmt.Fprintf(&sb, "  REST API      %s/v1/…\n  API docs      %s/docs\n  OpenAPI       %s/openapi.json\n  health        %s/healthz  %s/readyz\n  metrics       %s/metrics\n",
			base, base, base, base, base, base)
	}
	if p.GRPCAddr != nil {
		fmt.Fprintf(&sb, "  gRPC          %s (grpcurl -plaintext %s list)\n", p.GRPCAddr, p.GRPCAddr)
	}
	fmt.Fprintf(&sb, "  data          %s\n", cfg.DataDir)
	if b.adminCreated {
		fmt.Fprintf(&sb, "\nFirst start: created the platform administrator %s\n", b.adminEmail)
		if b.adminPassword != "" {
			fmt.Fprintf(&sb, "  password: %s   (shown only now; store it in a password manager)\n", b.adminPassword)
		}
		if b.demo == nil {
			sb.WriteString("  Sign in (POST /v1/sessions), enroll TOTP (POST /v1/accounts/me/totp:enroll, :verify)\n" +
				"  and sign in again with a code: administration needs a second factor.\n")
		}
	}
	if d := b.demo; d != nil {
		fmt.Fprintf(&sb, "\nDemo agency %s. Every demo account's password: %q\n", d.agency, demoPassword)
		fmt.Fprintf(&sb, "Staff sign in with a TOTP code: engage totp --secret <secret>\n")
		fmt.Fprintf(&sb, "  %-32s %-28s %s\n", "account", "role", "TOTP secret")
		fmt.Fprintf(&sb, "  %-32s %-28s %s\n", b.adminEmail, "platform admin", d.adminTOTP)
		for _, p := range d.people {
			role := "resident"
			if len(p.roles) > 0 {
				role = strings.ToLower(strings.TrimPrefix(p.roles[0].String(), "ROLE_"))
			}
			fmt.Fprintf(&sb, "  %-32s %-28s %s\n", p.email, role, p.totpSecret)
		}
		fmt.Fprintf(&sb, "Partner %s API key (x-api-key): %s\n", d.partner, d.partnerKey)
		fmt.Fprintf(&sb, "Partner %s (contact reports) API key (x-api-key): %s\n", d.dispatch, d.dispatchKey)
		if p.HTTPAddr != nil {
			fmt.Fprintf(&sb, "Live alerts: curl -N http://%s/v1/%s/alerts:stream   (Accept: text/event-stream for SSE)\n", p.HTTPAddr, d.agency)
		}
		if f := d.feedback; f.trackingCode != "" {
			fmt.Fprintf(&sb, "Anonymous demo complaint: tracking code %s, PIN %s (POST /v1/%s/feedback:lookup)\n", f.trackingCode, f.pin, d.agency)
		}
	}
	fmt.Fprintln(w, sb.String())
}
