package storetest

import "testing"

func runFeedback(t *testing.T, open Opener) {}
