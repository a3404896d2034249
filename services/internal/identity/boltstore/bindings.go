package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	accessv1 "github.com/engagehq/engage/api/gen/engage/access/v1"
	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/idempotent"
	"github.com/engagehq/engage/services/internal/identity"
	"go.etcd.io/bbolt"
)

// CreateRoleBinding implements identity.Store.
func (s *Store) CreateRoleBinding(ctx context.Context, b identity.RoleBinding, retry idempotent.Request) (identity.RoleBinding, error) {
	var out identity.RoleBinding
	err := s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out = identity.RoleBinding{}
		if err := agencyExists(tx, b.Agency); err != nil {
			return err
		}
		if id, ok, err := retried(tx, retry, b.Agency); err != nil || ok {
			if err == nil {
				out, err = getBinding(tx, b.Agency, id)
			}
			return err
		}
		if err := insertBinding(tx, b); err != nil {
			return err
		}
		if err := remember(tx, retry, b.Agency, b.ID); err != nil {
			return err
		}
		out = b
		return nil
	})
	if err != nil {
		return identity.RoleBinding{}, err
	}
	return out, nil
}

// insertBinding stores a binding and its member index entry, refusing a
// second binding of the same role to the same member in the agency.
func insertBinding(tx *bbolt.Tx, b identity.RoleBinding) error {
	if b.ID == "" || b.Member == "" || b.Role == accessv1.Role_ROLE_UNSPECIFIED {
		return fmt.Errorf("create role binding: id, member and role are required: %w", errs.InvalidArgument)
	}
	bindings, err := tx.Bucket(bucketRoleBindings).CreateBucketIfNotExists([]byte(b.Agency))
	if err != nil {
		return err
	}
	if bindings.Get([]byte(b.ID)) != nil {
		return fmt.Errorf("role binding %s: %w", b.ID, errs.AlreadyExists)
	}
	members := tx.Bucket(bucketMemberRoles)
	c := members.Cursor()
	prefix := boltdb.Join(b.Member, b.Agency, "")
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if decodeRole(v) == b.Role {
			return fmt.Errorf("%s already holds %s in agency %s: %w", b.Member, b.Role, b.Agency, errs.AlreadyExists)
		}
	}
	if err := members.Put(boltdb.Join(b.Member, b.Agency, b.ID), encodeRole(b.Role)); err != nil {
		return err
	}
	return boltdb.PutJSON(bindings, []byte(b.ID), toBindingRecord(b))
}

func encodeRole(r accessv1.Role) []byte { return binary.BigEndian.AppendUint32(nil, uint32(r)) }

func decodeRole(v []byte) accessv1.Role {
	if len(v) != 4 {
		return accessv1.Role_ROLE_UNSPECIFIED
	}
	return accessv1.Role(binary.BigEndian.Uint32(v))
}

func getBinding(tx *bbolt.Tx, agency, id string) (identity.RoleBinding, error) {
	var r bindingRecord
	ok, err := boltdb.GetJSON(tx.Bucket(bucketRoleBindings).Bucket([]byte(agency)), []byte(id), &r)
	if err != nil {
		return identity.RoleBinding{}, err
	}
	if !ok {
		return identity.RoleBinding{}, fmt.Errorf("role binding %s in agency %s: %w", id, agency, errs.NotFound)
	}
	return r.domain(), nil
}

// RoleBinding implements identity.Store.
func (s *Store) RoleBinding(_ context.Context, agency, id string) (identity.RoleBinding, error) {
	var b identity.RoleBinding
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		b, err = getBinding(tx, agency, id)
		return err
	})
	return b, err
}

// ListRoleBindings implements identity.Store.
func (s *Store) ListRoleBindings(_ context.Context, agency, after string, limit int) ([]identity.RoleBinding, error) {
	var out []identity.RoleBinding
	err := s.db.View(func(tx *bbolt.Tx) error {
		if err := agencyExists(tx, agency); err != nil {
			return err
		}
		var err error
		out, err = listJSON(tx.Bucket(bucketRoleBindings).Bucket([]byte(agency)), after, limit, bindingRecord.domain)
		return err
	})
	return out, err
}

// DeleteRoleBinding implements identity.Store.
func (s *Store) DeleteRoleBinding(ctx context.Context, agency, id string) error {
	return s.db.Update(ctx, func(tx *bbolt.Tx) error {
		b, err := getBinding(tx, agency, id)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketMemberRoles).Delete(boltdb.Join(b.Member, agency, id)); err != nil {
			return err
		}
		return tx.Bucket(bucketRoleBindings).Bucket([]byte(agency)).Delete([]byte(id))
	})
}

// MemberRoles implements identity.Store.
func (s *Store) MemberRoles(_ context.Context, member string) (map[string][]accessv1.Role, error) {
	out := map[string][]accessv1.Role{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		prefix := boltdb.Join(member, "")
		c := tx.Bucket(bucketMemberRoles).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			rest := k[len(prefix):]
			i := bytes.IndexByte(rest, sep)
			if i <= 0 {
				return fmt.Errorf("malformed member role key %q", k)
			}
			agency, role := string(rest[:i]), decodeRole(v)
			if role != accessv1.Role_ROLE_UNSPECIFIED && !slices.Contains(out[agency], role) {
				out[agency] = append(out[agency], role)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, roles := range out {
		slices.Sort(roles)
	}
	return out, nil
}
