package identity

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/ids"
)

// adminDisplayName is the display name of the bootstrapped administrator.
const adminDisplayName = "Platform administrator"

// Bootstrap creates the first platform administrator when none exists, and
// does nothing otherwise. An empty password is replaced by a generated one
// (32 random base32 characters, 160 bits), returned so that the caller
// prints it once; it is stored only as a hash.
//
// Platform administration, like every staff role, takes effect only in
// sessions signed in with a second factor: the administrator signs in,
// enrolls TOTP (EnrollTotp, VerifyTotp) and signs in again with a code.
func (s *Service) Bootstrap(ctx context.Context, email, password string) (created bool, generatedPassword string, err error) {
	email, name, err := checkProfile("admin", email, adminDisplayName)
	if err != nil {
		return false, "", err
	}
	if password == "" {
		b := make([]byte, 20)
		if _, err := rand.Read(b); err != nil {
			return false, "", fmt.Errorf("bootstrap: %w", err)
		}
		generatedPassword = strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
		password = generatedPassword
	} else if err := s.policy.check("admin.password", password, email, name); err != nil {
		return false, "", err
	}
	hash, err := s.hasher.hash(ctx, password)
	if err != nil {
		return false, "", fmt.Errorf("bootstrap: %w", err)
	}
	a := Account{ID: ids.New(), Email: email, DisplayName: name, PasswordHash: hash, PlatformAdmin: true, CreateTime: s.now()}
	created, err = s.store.BootstrapAdmin(ctx, a)
	if errors.Is(err, errs.AlreadyExists) {
		return false, "", errs.Public(errs.AlreadyExists, "an account with email %s exists but is not a platform administrator", email)
	}
	if err != nil {
		return false, "", fmt.Errorf("bootstrap: %w", err)
	}
	if !created {
		return false, "", nil
	}
	s.log.InfoContext(ctx, "platform administrator created", "account", a.ID)
	return true, generatedPassword, nil
}
