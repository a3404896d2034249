package feedback

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"

	"google.golang.org/protobuf/proto"
)

// Sealing what a retry gets back.
//
// A create that hands out a secret (the tracking code and PIN of anonymous
// feedback, the token of a contact event's invitation) keeps it in its
// request record sealed with AES-256-GCM under a key derived from the
// request id. The record itself is keyed by another hash of the id, so a
// retry, which knows the id, opens the secret, and the database alone
// cannot.

// errUnseal is what unseal returns for anything seal did not make under the
// same purpose and request id.
var errUnseal = errors.New("the sealed secret does not open with this request id")

// sealKey derives the key of a purpose ("feedback", "contact") and request
// id.
func sealKey(purpose, requestID string) []byte {
	k := sha256.Sum256([]byte("engage " + purpose + " seal" + requestID))
	return k[:]
}

// seal encrypts plain under the key of purpose and requestID; the nonce
// leads the result.
func seal(purpose, requestID string, plain []byte) []byte {
	aead := sealAEAD(purpose, requestID)
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return aead.Seal(nonce, nonce, plain, nil)
}

// unseal opens what seal made with the same purpose and request id.
func unseal(purpose, requestID string, sealed []byte) ([]byte, error) {
	aead := sealAEAD(purpose, requestID)
	n := aead.NonceSize()
	if len(sealed) < n {
		return nil, errUnseal
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return nil, errUnseal
	}
	return plain, nil
}

func sealAEAD(purpose, requestID string) cipher.AEAD {
	block, err := aes.NewCipher(sealKey(purpose, requestID))
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// requestFingerprint identifies what a request with a request id asks
// for, so that the same id with another request is refused
// (ErrRetryReused): an HMAC keyed, as seal is, by purpose and the request
// id, over the deterministic encoding of req without its request_id.
// Keyed so, the stored fingerprint tells nothing of the request to someone
// who holds the database, however few its possible contents.
func requestFingerprint(purpose, requestID string, req proto.Message) []byte {
	if requestID == "" {
		return nil
	}
	req = proto.Clone(req)
	m := req.ProtoReflect()
	if fd := m.Descriptor().Fields().ByName("request_id"); fd != nil {
		m.Clear(fd)
	}
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	mac := hmac.New(sha256.New, sealKey(purpose+" fingerprint", requestID))
	mac.Write(b)
	return mac.Sum(nil)
}
