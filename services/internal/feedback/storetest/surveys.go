package storetest

import "testing"

func runSurveys(t *testing.T, open Opener) {}
