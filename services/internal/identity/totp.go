package identity

import (
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings of RFC 6238 as every common authenticator app uses them.
const (
	totpIssuer = "Engage"
	totpPeriod = 30
	totpSkew   = 1
)

// newTOTPKey generates a secret for email and its otpauth:// URI.
func newTOTPKey(email string) (secret, uri string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      totpIssuer,
		AccountName: email,
		Period:      totpPeriod,
		SecretSize:  20,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", fmt.Errorf("generate totp secret: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// totpStep returns the RFC 6238 time step a code matches at now (allowing
// one step of clock skew either way), and false when it matches none.
// Knowing the step, rather than only "valid", lets the caller refuse a
// code whose step was already used.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	current := now.Unix() / totpPeriod
	for d := range 2*totpSkew + 1 {
		// current, current-1, current+1, …: the likeliest first.
		step := current + int64((d+1)/2)*int64(1-2*(d%2))
		if step < 0 {
			continue
		}
		ok, err := hotp.ValidateCustom(code, uint64(step), secret, hotp.ValidateOpts{
			Digits:    otp.DigitsSix,
			Algorithm: otp.AlgorithmSHA1,
		})
		if err == nil && ok {
			return step, true
		}
	}
	return 0, false
}
