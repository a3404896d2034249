package e2e

import (
	"testing"
	"time"
)

// totpPeriod is the RFC 6238 time step of every Engage TOTP code.
const totpPeriod = 30

// totpSteps hands out the codes of one secret by time step, so that a test
// can sign in with a second factor several times (across restarts too)
// without waiting for the clock. The server accepts a code one step either
// side of its own and refuses a step at or below the last one it accepted;
// enrolment is therefore verified with the step before the current one,
// the first sign-in uses the current one, and each later sign-in the one
// after: every code is accepted for at least a minute after enrolment.
type totpSteps struct {
	t      *testing.T
	secret string
	next   int64
}

// mfaSignIn signs in with a password, enrolls and verifies TOTP, and signs
// in again with a code. It returns the second-factor access token and the
// codes for later sign-ins.
func mfaSignIn(p *platform, email, password string) (string, *totpSteps) {
	p.t.Helper()
	first := p.signIn(email, password, "")
	token := first["accessToken"].(string)
	enr := p.must(200, "POST", "/v1/accounts/me/totp:enroll", token, map[string]any{"password": password})
	secret := enr["secret"].(string)
	base := freshStep()
	p.must(200, "POST", "/v1/accounts/me/totp:verify", token, map[string]any{"code": stepCode(p.t, secret, base-1)})
	s := p.signIn(email, password, stepCode(p.t, secret, base))
	return s["accessToken"].(string), &totpSteps{t: p.t, secret: secret, next: base + 1}
}

// code returns the code of the next unused step.
func (s *totpSteps) code() string {
	c := stepCode(s.t, s.secret, s.next)
	s.next++
	return c
}

// used returns the code of the last step handed out: a replay.
func (s *totpSteps) used() string {
	return stepCode(s.t, s.secret, s.next-1)
}

// freshStep returns the current time step, first waiting for the next one
// when this one is about to end, so that a code for the previous step is
// still within the server's skew when it arrives.
func freshStep() int64 {
	const margin = 3 * time.Second
	now := time.Now()
	left := time.Duration(totpPeriod-now.Unix()%totpPeriod)*time.Second - time.Duration(now.Nanosecond())
	if left < margin {
		time.Sleep(left + 100*time.Millisecond)
	}
	return time.Now().Unix() / totpPeriod
}

func stepCode(t *testing.T, secret string, step int64) string {
	t.Helper()
	return code(t, secret, time.Unix(step*totpPeriod, 0))
}
