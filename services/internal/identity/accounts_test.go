package identity_test

import (
	"strings"
	"testing"

	identityv1 "github.com/engagehq/engage/api/gen/engage/identity/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

func TestCreateAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signUp(t, "taken@example.org")

	tests := []struct {
		name        string
		email       string
		displayName string
		password    string
		wantCode    codes.Code
		wantField   string
	}{
		{"accepted", "new@example.org", "New Person", testPassword, codes.OK, ""},
		{"accepted at eight characters", "eight@example.org", "Eight", "q8#vLm2!", codes.OK, ""},
		{"too short", "short@example.org", "Short", "abc123", codes.InvalidArgument, "account.password"},
		{"too long", "long@example.org", "Long", strings.Repeat("x", 129), codes.InvalidArgument, "account.password"},
		{"blocklisted", "common@example.org", "Common", "password123", codes.InvalidArgument, "account.password"},
		{"blocklisted in another case", "case@example.org", "Case", "Baseball1", codes.InvalidArgument, "account.password"},
		{"a common word dressed up", "dressed@example.org", "Dressed", "!!Sunshine2024!!", codes.InvalidArgument, "account.password"},
		{"the service name", "svc@example.org", "Svc", "Engage2026!", codes.InvalidArgument, "account.password"},
		{"the email's local part", "chiefinspector@example.org", "Chief", "ChiefInspector1", codes.InvalidArgument, "account.password"},
		{"the display name", "dn@example.org", "Jane Marple", "jane marple", codes.InvalidArgument, "account.password"},
		{"the display name without spaces", "dn2@example.org", "Jane Marple", "JaneMarple99", codes.InvalidArgument, "account.password"},
		{"containing the email", "whole@example.org", "Whole", "xwhole@example.orgx", codes.InvalidArgument, "account.password"},
		{"no composition rules", "lower@example.org", "Lower", "correct horse battery staple", codes.OK, ""},
		{"bad email", "not-an-email", "Bad", testPassword, codes.InvalidArgument, "account.email"},
		{"empty display name", "nameless@example.org", "", testPassword, codes.InvalidArgument, "account.display_name"},
		{"email taken in another case", "TAKEN@Example.org", "Again", testPassword, codes.AlreadyExists, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pw := tc.password
			a, err := e.accounts.CreateAccount(t.Context(), &identityv1.CreateAccountRequest{Account: &identityv1.Account{
				Email: tc.email, DisplayName: tc.displayName, Password: proto.String(pw),
			}})
			wantCode(t, "create", err, tc.wantCode)
			if tc.wantField != "" {
				wantField(t, "create", err, tc.wantField)
			}
			if tc.wantCode != codes.OK {
				return
			}
			if a.GetPassword() != "" || a.GetTotpEnabled() || a.GetPlatformAdmin() || len(a.GetAgencyRoles()) != 0 {
				t.Fatalf("new account %v", a)
			}
			// Sign-in works with what was signed up.
			e.signIn(t, &user{email: tc.email, password: pw})
		})
	}
}

func TestCreateAccountIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const rid = "0b6e1b8a-3c9e-4a57-9d38-1b2d9b0f6a11"
	req := func(email string) *identityv1.CreateAccountRequest {
		return &identityv1.CreateAccountRequest{RequestId: rid, Account: &identityv1.Account{
			Email: email, DisplayName: "Retry", Password: proto.String(testPassword),
		}}
	}
	first, err := e.accounts.CreateAccount(t.Context(), req("retry@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.accounts.CreateAccount(t.Context(), req("Retry@Example.org"))
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	diff(t, "retry", again, first)
	_, err = e.accounts.CreateAccount(t.Context(), req("someone-else@example.org"))
	wantField(t, "request id reused for another email", err, "request_id")
	// Someone who read the request id and knows the email, without the
	// password, learns nothing of the account.
	guess := req("retry@example.org")
	guess.Account.Password = proto.String("another passphrase entirely 42")
	got, err := e.accounts.CreateAccount(t.Context(), guess)
	wantField(t, "request id reused with another password", err, "request_id")
	if got != nil {
		t.Fatalf("refused, yet answered %v", got)
	}
}

func TestGetAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin(t)
	alice := e.signUp(t, "alice@example.org")
	bob := e.signUp(t, "bob@example.org")
	aliceCtx := bearer(t.Context(), e.signIn(t, alice).GetAccessToken())

	tests := []struct {
		name     string
		asAdmin  bool
		resource string
		want     *identityv1.Account
		wantCode codes.Code
	}{
		{name: "me", resource: "accounts/me", want: alice.account},
		{name: "own id", resource: alice.account.GetName(), want: alice.account},
		{name: "someone else", resource: bob.account.GetName(), wantCode: codes.NotFound},
		{name: "someone who does not exist", resource: "accounts/nobody", wantCode: codes.NotFound},
		{name: "admin reads someone else", asAdmin: true, resource: bob.account.GetName(), want: bob.account},
		{name: "admin reads someone who does not exist", asAdmin: true, resource: "accounts/nobody", wantCode: codes.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := aliceCtx
			if tc.asAdmin {
				ctx = admin
			}
			got, err := e.accounts.GetAccount(ctx, &identityv1.GetAccountRequest{Name: tc.resource})
			wantCode(t, "get", err, tc.wantCode)
			if tc.want != nil {
				diff(t, "account", got, tc.want)
			}
		})
	}
	_, err := e.accounts.GetAccount(t.Context(), &identityv1.GetAccountRequest{Name: "accounts/me"})
	wantCode(t, "anonymous", err, codes.Unauthenticated)
}

func TestListAccounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.admin(t)
	for _, email := range []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org"} {
		e.signUp(t, email)
	}
	// Five accounts with the administrator, in pages of two.
	var emails []string
	token := ""
	for page := 0; ; page++ {
		resp, err := e.accounts.ListAccounts(admin, &identityv1.ListAccountsRequest{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		for _, a := range resp.GetAccounts() {
			emails = append(emails, a.GetEmail())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
		if page > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(emails) != 5 {
		t.Fatalf("listed %v, want 5 accounts", emails)
	}

	tests := []struct {
		name      string
		filter    string
		wantEmail []string
		wantCode  codes.Code
	}{
		{"exact email", `email = "b@example.org"`, []string{"b@example.org"}, codes.OK},
		{"another case, no spaces", `email="B@EXAMPLE.ORG"`, []string{"b@example.org"}, codes.OK},
		{"no such email", `email = "z@example.org"`, nil, codes.OK},
		{"unquoted", `email = b@example.org`, nil, codes.InvalidArgument},
		{"another field", `display_name = "x"`, nil, codes.InvalidArgument},
		{"a prefix match", `email : "b"`, nil, codes.InvalidArgument},
		{"a conjunction", `email = "b@example.org" AND email = "c@example.org"`, nil, codes.InvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, err := e.accounts.ListAccounts(admin, &identityv1.ListAccountsRequest{Filter: tc.filter})
			wantCode(t, "list", err, tc.wantCode)
			if tc.wantCode == codes.InvalidArgument {
				wantField(t, "list", err, "filter")
				return
			}
			var got []string
			for _, a := range resp.GetAccounts() {
				got = append(got, a.GetEmail())
			}
			diff(t, "emails", got, tc.wantEmail, protocmp.Transform())
		})
	}

	_, err := e.accounts.ListAccounts(t.Context(), &identityv1.ListAccountsRequest{PageToken: "bm90LWEtdG9rZW4"})
	wantCode(t, "anonymous", err, codes.Unauthenticated)
	resident := bearer(t.Context(), e.signIn(t, &user{email: "a@example.org", password: testPassword}).GetAccessToken())
	_, err = e.accounts.ListAccounts(resident, &identityv1.ListAccountsRequest{})
	wantCode(t, "resident", err, codes.PermissionDenied)
	_, err = e.accounts.ListAccounts(admin, &identityv1.ListAccountsRequest{PageToken: "bm90LWEtdG9rZW4"})
	wantField(t, "bad page token", err, "page_token")
}
