package boltdb_test

import (
	"context"
	"testing"

	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/engagehq/engage/services/internal/boltdb"
)

func TestGetAndPutJSON(t *testing.T) {
	t.Parallel()
	db := openTest(t, boltdb.Options{})
	type rec struct {
		Name string `json:"name"`
	}
	if err := db.Update(context.Background(), func(tx *bbolt.Tx) error {
		b := tx.Bucket(testBucket)
		if err := boltdb.PutJSON(b, []byte("a"), rec{Name: "metro"}); err != nil {
			return err
		}
		return b.Put([]byte("bad"), []byte("{"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(testBucket)
		var r rec
		if ok, err := boltdb.GetJSON(b, []byte("a"), &r); !ok || err != nil || r.Name != "metro" {
			t.Errorf("GetJSON(a) = %v, %v, %+v; want true, nil, metro", ok, err, r)
		}
		if ok, err := boltdb.GetJSON(b, []byte("none"), &r); ok || err != nil {
			t.Errorf("GetJSON(none) = %v, %v; want false, nil", ok, err)
		}
		if ok, err := boltdb.GetJSON(nil, []byte("a"), &r); ok || err != nil {
			t.Errorf("GetJSON(nil bucket) = %v, %v; want false, nil", ok, err)
		}
		if ok, err := boltdb.GetProto(nil, []byte("a"), &wrapperspb.StringValue{}); ok || err != nil {
			t.Errorf("GetProto(nil bucket) = %v, %v; want false, nil", ok, err)
		}
		if _, err := boltdb.GetJSON(b, []byte("bad"), &r); err == nil {
			t.Error("GetJSON(bad) decoded a truncated record")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
