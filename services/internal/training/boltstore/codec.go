package boltstore

import (
	"google.golang.org/protobuf/proto"
)

// record is a stored message: each generated record type has these.
type record interface {
	proto.Message
	GetEtag() string
}
