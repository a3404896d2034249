package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/engagehq/engage/services/internal/identity"
)

func account(id, email string) identity.Account {
	return identity.Account{
		ID:           id,
		Email:        email,
		DisplayName:  "Person " + id,
		PasswordHash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		CreateTime:   base,
	}
}

func testAccounts(t *testing.T, s identity.Store) {
	alice := account("a1", "Alice@Example.org")
	got, err := s.CreateAccount(ctx(t), alice, retryOf(""))
	wantErr(t, "create", err, nil)
	diff(t, "created account", got, alice)

	tests := []struct {
		name      string
		a         identity.Account
		requestID string
		want      error
	}{
		{"same email in another case", account("a2", "alice@EXAMPLE.org"), "", errAlreadyExists},
		{"same email with spaces", account("a3", " alice@example.org "), "", errAlreadyExists},
		{"same id", account("a1", "other@example.org"), "", errAlreadyExists},
	}
	for _, tc := range tests {
		_, err := s.CreateAccount(ctx(t), tc.a, retryOf(tc.requestID))
		wantErr(t, tc.name, err, tc.want)
	}

	for _, email := range []string{"alice@example.org", "ALICE@example.ORG", "Alice@Example.org"} {
		got, err := s.AccountByEmail(ctx(t), email)
		wantErr(t, "by email "+email, err, nil)
		diff(t, "by email "+email, got, alice)
	}
	_, err = s.AccountByEmail(ctx(t), "nobody@example.org")
	wantErr(t, "unknown email", err, errNotFound)
	_, err = s.Account(ctx(t), "nobody")
	wantErr(t, "unknown id", err, errNotFound)
	got, err = s.Account(ctx(t), "a1")
	wantErr(t, "get", err, nil)
	diff(t, "get", got, alice)

	// Idempotent creates: the request id returns the first account, even
	// when the retry carries another id or email.
	bob := account("b1", "bob@example.org")
	got, err = s.CreateAccount(ctx(t), bob, retryOf("req-1"))
	wantErr(t, "create bob", err, nil)
	diff(t, "create bob", got, bob)
	retry := account("b2", "robert@example.org")
	got, err = s.CreateAccount(ctx(t), retry, retryOf("req-1"))
	wantErr(t, "retry", err, nil)
	diff(t, "retry returns the first", got, bob)
	_, err = s.Account(ctx(t), "b2")
	wantErr(t, "retry stored nothing", err, errNotFound)
	_, err = s.AccountByEmail(ctx(t), "robert@example.org")
	wantErr(t, "retry indexed nothing", err, errNotFound)
}

func testAccountUpdates(t *testing.T, s identity.Store) {
	a := account("a1", "a@example.org")
	if _, err := s.CreateAccount(ctx(t), a, retryOf("")); err != nil {
		t.Fatal(err)
	}
	until := base.Add(15 * time.Minute)
	got, err := s.UpdateAccount(ctx(t), "a1", func(acc *identity.Account) error {
		acc.TOTP = identity.TOTP{Enabled: true, Secret: "SECRET", LastStep: 42}
		acc.Lockout = identity.Lockout{Failures: 2, Level: 1, Until: until}
		acc.PasswordHash = "new"
		return nil
	})
	wantErr(t, "update", err, nil)
	want := a
	want.TOTP = identity.TOTP{Enabled: true, Secret: "SECRET", LastStep: 42}
	want.Lockout = identity.Lockout{Failures: 2, Level: 1, Until: until}
	want.PasswordHash = "new"
	diff(t, "updated", got, want)
	stored, err := s.Account(ctx(t), "a1")
	wantErr(t, "get", err, nil)
	diff(t, "stored", stored, want)

	// A failing mutate stores nothing and its error comes back unchanged.
	errVeto := errors.New("veto")
	_, err = s.UpdateAccount(ctx(t), "a1", func(acc *identity.Account) error {
		acc.DisplayName = "changed"
		return errVeto
	})
	if !errors.Is(err, errVeto) {
		t.Fatalf("mutate error: got %v, want %v", err, errVeto)
	}
	stored, _ = s.Account(ctx(t), "a1")
	diff(t, "after veto", stored, want)

	tests := []struct {
		name   string
		id     string
		mutate func(*identity.Account)
		want   error
	}{
		{"unknown account", "nobody", func(*identity.Account) {}, errNotFound},
		{"changing the email", "a1", func(a *identity.Account) { a.Email = "b@example.org" }, errors.New("any")},
		{"changing the id", "a1", func(a *identity.Account) { a.ID = "a2" }, errors.New("any")},
	}
	for _, tc := range tests {
		_, err := s.UpdateAccount(ctx(t), tc.id, func(a *identity.Account) error { tc.mutate(a); return nil })
		if err == nil {
			t.Fatalf("%s: no error", tc.name)
		}
		if errors.Is(tc.want, errNotFound) {
			wantErr(t, tc.name, err, errNotFound)
		}
	}
	stored, _ = s.Account(ctx(t), "a1")
	diff(t, "after refused updates", stored, want)
	if _, err := s.AccountByEmail(ctx(t), "b@example.org"); !errors.Is(err, errNotFound) {
		t.Fatalf("email index changed by a refused update: %v", err)
	}
}

func testAccountList(t *testing.T, s identity.Store) {
	var all []identity.Account
	for i := range 7 {
		a := account(fmt.Sprintf("acc-%02d", i), fmt.Sprintf("p%d@example.org", i))
		all = append(all, a)
	}
	// Insert out of order: lists are ordered by id, not by insertion.
	for _, i := range []int{3, 0, 6, 1, 5, 2, 4} {
		if _, err := s.CreateAccount(ctx(t), all[i], retryOf("")); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		after string
		limit int
		want  []identity.Account
	}{
		{"first page", "", 3, all[:3]},
		{"next page", "acc-02", 3, all[3:6]},
		{"last page", "acc-05", 3, all[6:]},
		{"past the end", "acc-06", 3, nil},
		{"after a key that does not exist", "acc-025", 2, all[3:5]},
		{"everything", "", 100, all},
	}
	for _, tc := range tests {
		got, err := s.ListAccounts(ctx(t), tc.after, tc.limit)
		wantErr(t, tc.name, err, nil)
		diff(t, tc.name, got, tc.want)
	}
}

func testBootstrapAdmin(t *testing.T, s identity.Store) {
	resident := account("r1", "admin@example.org")
	if _, err := s.CreateAccount(ctx(t), resident, retryOf("")); err != nil {
		t.Fatal(err)
	}
	admin := account("a1", "admin@example.org")
	admin.PlatformAdmin = true
	created, err := s.BootstrapAdmin(ctx(t), admin)
	wantErr(t, "email taken", err, errAlreadyExists)
	if created {
		t.Fatal("created with a taken email")
	}

	admin.Email = "root@example.org"
	created, err = s.BootstrapAdmin(ctx(t), admin)
	wantErr(t, "first bootstrap", err, nil)
	if !created {
		t.Fatal("first bootstrap created nothing")
	}
	got, err := s.AccountByEmail(ctx(t), "root@example.org")
	wantErr(t, "get admin", err, nil)
	diff(t, "admin", got, admin)

	second := account("a2", "second@example.org")
	second.PlatformAdmin = true
	created, err = s.BootstrapAdmin(ctx(t), second)
	wantErr(t, "second bootstrap", err, nil)
	if created {
		t.Fatal("second bootstrap created an account")
	}
	if _, err := s.Account(ctx(t), "a2"); !errors.Is(err, errNotFound) {
		t.Fatalf("second bootstrap stored an account: %v", err)
	}
}

// testConcurrentAccountUpdates checks that concurrent read-modify-writes
// lose nothing, and that an account promoted by UpdateAccount counts as a
// platform administrator for BootstrapAdmin.
func testConcurrentAccountUpdates(t *testing.T, s identity.Store) {
	if _, err := s.CreateAccount(ctx(t), account("a1", "a@example.org"), retryOf("")); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := s.UpdateAccount(ctx(t), "a1", func(a *identity.Account) error {
				a.Lockout.Failures++
				return nil
			})
			errc <- err
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		wantErr(t, "concurrent update", err, nil)
	}
	got, _ := s.Account(ctx(t), "a1")
	if got.Lockout.Failures != n {
		t.Fatalf("after %d concurrent increments: %d (lost updates)", n, got.Lockout.Failures)
	}

	if _, err := s.UpdateAccount(ctx(t), "a1", func(a *identity.Account) error {
		a.PlatformAdmin = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	other := account("a2", "b@example.org")
	other.PlatformAdmin = true
	created, err := s.BootstrapAdmin(ctx(t), other)
	wantErr(t, "bootstrap after promotion", err, nil)
	if created {
		t.Fatal("bootstrap created an administrator although one was promoted")
	}
}
