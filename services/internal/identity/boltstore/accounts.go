package boltstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/identity"
	"go.etcd.io/bbolt"
)

// CreateAccount implements identity.Store.
func (s *Store) CreateAccount(ctx context.Context, a identity.Account, retry idempotent.Request) (identity.Account, error) {
	var out identity.Account
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = identity.Account{}
		if id, ok, err := retried(tx, retry, ""); err != nil || ok {
			if err == nil {
				out, err = getAccount(tx, id)
			}
			return err
		}
		if err := insertAccount(tx, a); err != nil {
			return err
		}
		if err := remember(tx, retry, "", a.ID); err != nil {
			return err
		}
		out = a
		return nil
	})
	if err != nil {
		return identity.Account{}, err
	}
	return out, nil
}

// insertAccount stores a new account with its indexes.
func insertAccount(tx *bbolt.Tx, a identity.Account) error {
	accounts, emails := tx.Bucket(bucketAccounts), tx.Bucket(bucketAccountEmails)
	email := []byte(identity.EmailKey(a.Email))
	if a.ID == "" || len(email) == 0 {
		return fmt.Errorf("create account: id and email are required: %w", errs.InvalidArgument)
	}
	if accounts.Get([]byte(a.ID)) != nil {
		return fmt.Errorf("account %s: %w", a.ID, errs.AlreadyExists)
	}
	if emails.Get(email) != nil {
		return fmt.Errorf("account with email %s: %w", a.Email, errs.AlreadyExists)
	}
	if err := emails.Put(email, []byte(a.ID)); err != nil {
		return err
	}
	if a.PlatformAdmin {
		if err := tx.Bucket(bucketPlatformAdmins).Put([]byte(a.ID), nil); err != nil {
			return err
		}
	}
	return boltdb.PutJSON(accounts, []byte(a.ID), toAccountRecord(a))
}

// BootstrapAdmin implements identity.Store.
func (s *Store) BootstrapAdmin(ctx context.Context, a identity.Account) (bool, error) {
	if !a.PlatformAdmin {
		return false, fmt.Errorf("bootstrap admin: account is not a platform administrator: %w", errs.InvalidArgument)
	}
	var created bool
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		created = false
		if k, _ := tx.Bucket(bucketPlatformAdmins).Cursor().First(); k != nil {
			return nil
		}
		if err := insertAccount(tx, a); err != nil {
			return err
		}
		created = true
		return nil
	})
	return created, err
}

func getAccount(tx *bbolt.Tx, id string) (identity.Account, error) {
	var r accountRecord
	ok, err := boltdb.GetJSON(tx.Bucket(bucketAccounts), []byte(id), &r)
	if err != nil {
		return identity.Account{}, err
	}
	if !ok {
		return identity.Account{}, fmt.Errorf("account %s: %w", id, errs.NotFound)
	}
	return r.domain(), nil
}

// Account implements identity.Store.
func (s *Store) Account(_ context.Context, id string) (identity.Account, error) {
	var a identity.Account
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		a, err = getAccount(tx, id)
		return err
	})
	return a, err
}

// AccountByEmail implements identity.Store.
func (s *Store) AccountByEmail(_ context.Context, email string) (identity.Account, error) {
	var a identity.Account
	err := s.db.View(func(tx *bbolt.Tx) error {
		id := tx.Bucket(bucketAccountEmails).Get([]byte(identity.EmailKey(email)))
		if id == nil {
			return fmt.Errorf("account with email %s: %w", email, errs.NotFound)
		}
		var err error
		a, err = getAccount(tx, string(id))
		return err
	})
	return a, err
}

// ListAccounts implements identity.Store.
func (s *Store) ListAccounts(_ context.Context, after string, limit int) ([]identity.Account, error) {
	var out []identity.Account
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = listJSON(tx.Bucket(bucketAccounts), after, limit, accountRecord.domain)
		return err
	})
	return out, err
}

var errImmutable = errors.New("an immutable field was changed")

// UpdateAccount implements identity.Store.
func (s *Store) UpdateAccount(ctx context.Context, id string, mutate func(*identity.Account) error) (identity.Account, error) {
	var out identity.Account
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = identity.Account{}
		a, err := getAccount(tx, id)
		if err != nil {
			return err
		}
		before := a
		if err := mutate(&a); err != nil {
			return err
		}
		if a.ID != before.ID || a.Email != before.Email || !a.CreateTime.Equal(before.CreateTime) {
			return fmt.Errorf("update account %s: %w", id, errImmutable)
		}
		if a.PlatformAdmin != before.PlatformAdmin {
			admins := tx.Bucket(bucketPlatformAdmins)
			if a.PlatformAdmin {
				err = admins.Put([]byte(id), nil)
			} else {
				err = admins.Delete([]byte(id))
			}
			if err != nil {
				return err
			}
		}
		out = a
		return boltdb.PutJSON(tx.Bucket(bucketAccounts), []byte(id), toAccountRecord(a))
	})
	if err != nil {
		return identity.Account{}, err
	}
	return out, nil
}
