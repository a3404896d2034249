package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"
)

// totpCode prints the current RFC 6238 code for a secret, for operators
// without an authenticator app at hand (the same as `oathtool --totp -b`).
func totpCode(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("totp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secret := fs.String("secret", "", "the base32 secret from totp:enroll")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *secret == "" {
		return errors.New("totp: --secret is required")
	}
	code, err := totp.GenerateCode(strings.ToUpper(strings.TrimSpace(*secret)), time.Now())
	if err != nil {
		return fmt.Errorf("totp: %w", err)
	}
	fmt.Fprintln(stdout, code)
	return nil
}
