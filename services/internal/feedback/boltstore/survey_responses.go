package boltstore

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/engagehq/engage/services/internal/boltdb"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/feedback"
	"go.etcd.io/bbolt"
)

// Errors of invitations, as the answering resident sees them.
var (
	errNoInvitation   = errs.Public(errs.NotFound, "no invitation to this survey has this token")
	errInvitationUsed = errs.WithReason(errs.Public(errs.FailedPrecondition,
		"this invitation was already used to answer"), "INVITATION_USED")
	errInvitationExpired = errs.WithReason(errs.Public(errs.FailedPrecondition,
		"this invitation has expired"), "INVITATION_EXPIRED")
	errDeviceAnswered = errs.Public(errs.AlreadyExists, "this device already answered this survey")
)

// deviceKey returns the HMAC key of device tokens, creating it on first
// use. Why a key at all is said in survey_keys.go.
func deviceKey(tx *bbolt.Tx) ([]byte, error) {
	b := tx.Bucket(bucketSurveySecrets)
	if k := b.Get(deviceKeyName); k != nil {
		return append([]byte(nil), k...), nil
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("device key: %w", err)
	}
	if err := b.Put(deviceKeyName, k); err != nil {
		return nil, err
	}
	return k, nil
}

// deviceHash is the keyed hash under which a device's answer to a survey
// is remembered.
func deviceHash(key []byte, survey feedback.SurveyKey, token string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(survey.Name()))
	m.Write([]byte{0})
	m.Write([]byte(token))
	return m.Sum(nil)
}

// CreateSurveyResponse implements feedback.SurveyStore. The answer is
// encoded before its write is queued, and again inside only when an
// invitation gives it another area; the survey's record is read, not
// written, since its count of answers has a key of its own.
func (s *Store) CreateSurveyResponse(ctx context.Context, r feedback.SurveyResponse, proof feedback.ResponseProof, periods []feedback.TrustPeriod, check func(feedback.Survey) error, drop feedback.TrustDropRule) (feedback.SurveyResponse, []feedback.TrustNotice, error) {
	if r.ID == "" {
		return feedback.SurveyResponse{}, nil, fmt.Errorf("create survey response: id is required: %w", errs.InvalidArgument)
	}
	rec := toResponseRecord(r)
	r.CreateTime = rec.Hour
	raw, err := json.Marshal(rec)
	if err != nil {
		return feedback.SurveyResponse{}, nil, fmt.Errorf("encode survey response: %w", err)
	}
	key, timeKey := responseKey(r.Key()), responseTimeKey(r)
	var out feedback.SurveyResponse
	var notices []feedback.TrustNotice
	sk := feedback.SurveyKey{Agency: r.Agency, Survey: r.Survey}
	err = s.db.Update(ctx, func(tx *bbolt.Tx) error {
		out, notices = r, nil
		sv, err := loadSurvey(tx, sk)
		if err != nil {
			return err
		}
		if err := check(sv); err != nil {
			return err
		}
		if err := s.spendProof(tx, sk, &out, proof); err != nil {
			return err
		}
		responses := tx.Bucket(bucketResponses)
		if responses.Get(key) != nil {
			return fmt.Errorf("survey response %s: %w", out.Key().Name(), errs.AlreadyExists)
		}
		value := raw
		if out.Area != r.Area {
			if value, err = json.Marshal(toResponseRecord(out)); err != nil {
				return fmt.Errorf("encode survey response: %w", err)
			}
		}
		if err := responses.Put(key, value); err != nil {
			return err
		}
		if err := tx.Bucket(bucketResponsesByTime).Put(timeKey, nil); err != nil {
			return err
		}
		if err := countResponse(tx, sv); err != nil {
			return err
		}
		if out.Trust != nil {
			notices, err = addTrust(tx, sv.Agency, out.Area, periods, *out.Trust, drop)
		}
		return err
	})
	if err != nil {
		return feedback.SurveyResponse{}, nil, err
	}
	return out, notices, nil
}

// spendProof checks and uses up what entitles r to answer: a device's
// first answer or an unused, unexpired invitation, whose area r takes.
func (s *Store) spendProof(tx *bbolt.Tx, sk feedback.SurveyKey, r *feedback.SurveyResponse, proof feedback.ResponseProof) error {
	switch {
	case proof.InvitationToken != "":
		invs := tx.Bucket(bucketInvitations)
		k := invitationKey(proof.InvitationToken)
		var inv invitationRecord
		ok, err := boltdb.GetJSON(invs, k, &inv)
		if err != nil {
			return err
		}
		switch {
		case !ok || inv.Agency != sk.Agency || inv.Survey != sk.Survey:
			return errNoInvitation
		case inv.Used:
			return errInvitationUsed
		case !proof.Now.Before(inv.ExpireTime):
			return errInvitationExpired
		}
		inv.Used = true
		r.Area = inv.Area
		return boltdb.PutJSON(invs, k, inv)
	case proof.DeviceToken != "":
		key, err := deviceKey(tx)
		if err != nil {
			return err
		}
		devices := tx.Bucket(bucketDevices)
		h := deviceHash(key, sk, proof.DeviceToken)
		if devices.Get(h) != nil {
			return errDeviceAnswered
		}
		return devices.Put(h, nil)
	}
	return errs.Field("survey_response", "needs a device token or an invitation token")
}

// addTrust adds a respondent's contribution to the cells of area (when not
// empty) and of the whole agency for each period. When drop is not nil, it
// asks drop about each of those cells and the cell of the period before,
// and records the notices it returns (recordTrustNotice); it returns the
// notices recorded.
func addTrust(tx *bbolt.Tx, agency, area string, periods []feedback.TrustPeriod, c feedback.TrustContribution, drop feedback.TrustDropRule) ([]feedback.TrustNotice, error) {
	areas := []string{""}
	if area != "" {
		areas = append(areas, area)
	}
	b := tx.Bucket(bucketTrustCells)
	var out []feedback.TrustNotice
	for _, a := range areas {
		for _, p := range periods {
			cell := feedback.TrustCell{TrustCellKey: feedback.TrustCellKey{Agency: agency, Area: a, Interval: p.Interval, Start: p.Start}}
			k := trustKey(cell.TrustCellKey)
			if err := decodeCell(b.Get(k), &cell); err != nil {
				return nil, err
			}
			cell.N++
			cell.Sum += c.Score
			cell.SumSq += c.Score * c.Score
			for i, rated := range c.Rated {
				if rated {
					cell.Dimensions[i].N++
					cell.Dimensions[i].Sum += c.Dimensions[i]
				}
			}
			if err := b.Put(k, encodeCell(cell)); err != nil {
				return nil, err
			}
			if drop == nil {
				continue
			}
			prev := feedback.TrustCell{TrustCellKey: cell.TrustCellKey}
			prev.Start = p.Previous
			if err := decodeCell(b.Get(trustKey(prev.TrustCellKey)), &prev); err != nil {
				return nil, err
			}
			n, ok := drop(cell, prev)
			if !ok {
				continue
			}
			added, err := recordTrustNotice(tx, n)
			if err != nil {
				return nil, err
			}
			if added {
				out = append(out, n)
			}
		}
	}
	return out, nil
}

// SurveyResponse implements feedback.SurveyStore.
func (s *Store) SurveyResponse(_ context.Context, k feedback.SurveyResponseKey) (feedback.SurveyResponse, error) {
	var out feedback.SurveyResponse
	err := s.db.View(func(tx *bbolt.Tx) error {
		var r responseRecord
		ok, err := boltdb.GetJSON(tx.Bucket(bucketResponses), responseKey(k), &r)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("survey response %s: %w", k.Name(), errs.NotFound)
		}
		out = r.domain()
		return nil
	})
	return out, err
}

// ListSurveyResponses implements feedback.SurveyStore.
func (s *Store) ListSurveyResponses(_ context.Context, k feedback.SurveyKey, page feedback.SurveyPage) ([]feedback.SurveyResponse, []byte, error) {
	var out []feedback.SurveyResponse
	var next []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		if _, err := loadSurvey(tx, k); err != nil {
			return err
		}
		responses := tx.Bucket(bucketResponses)
		var err error
		next, err = fbScan(tx.Bucket(bucketResponsesByTime), boltdb.Below(surveyKey(k)), page, false, func(suffix []byte) (bool, error) {
			var r responseRecord
			ok, err := boltdb.GetJSON(responses, responseKey(feedback.SurveyResponseKey{SurveyKey: k, Response: string(suffix[8:])}), &r)
			if err != nil || !ok {
				return false, err
			}
			out = append(out, r.domain())
			return true, nil
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return out, next, nil
}
