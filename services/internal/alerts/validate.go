package alerts

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"github.com/engagehq/engage/services/internal/errs"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The times an alert may name: CAP messages of this century and the next.
// Anything outside is a typo (a year 0026 or 20260) that would make an
// alert never or forever active.
var (
	earliestTime = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	latestTime   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// defaultLanguage is the language of an info block without one, as CAP
// says.
const defaultLanguage = "en-US"

// checkAlert checks the content of an alert (status, scope, restriction,
// note, infos) against the CAP 1.2 rules that protovalidate cannot express,
// and the required fields, for content that did not come through
// protovalidate (CAP import). field is the alert's path in the request,
// e.g. "alert"; the error is INVALID_ARGUMENT naming the exact path of the
// first bad field, e.g. "alert.infos[0].areas[1].polygons[0].points".
func checkAlert(a *alertsv1.Alert, field string) error {
	if a.GetStatus() == alertsv1.Status_STATUS_UNSPECIFIED {
		return errs.Field(field+".status", "is required: ACTUAL, EXERCISE or TEST")
	}
	if a.GetScope() == alertsv1.Scope_SCOPE_UNSPECIFIED {
		return errs.Field(field+".scope", "is required: PUBLIC or RESTRICTED")
	}
	if a.GetScope() == alertsv1.Scope_SCOPE_RESTRICTED && strings.TrimSpace(a.GetRestriction()) == "" {
		return errs.Field(field+".restriction", "is required for a RESTRICTED alert: say who it is for")
	}
	if len(a.GetInfos()) == 0 {
		return errs.Field(field+".infos", "needs at least one info block")
	}
	if len(a.GetInfos()) > 10 {
		return errs.Field(field+".infos", "has more than 10 info blocks")
	}
	languages := map[string]int{}
	for i, in := range a.GetInfos() {
		f := fmt.Sprintf("%s.infos[%d]", field, i)
		lang := strings.ToLower(in.GetLanguageCode())
		if lang == "" {
			lang = strings.ToLower(defaultLanguage)
		}
		if j, dup := languages[lang]; dup {
			return errs.Field(f+".language_code", "repeats the language of infos[%d]: one info block per language", j)
		}
		languages[lang] = i
		if err := checkInfo(in, f); err != nil {
			return err
		}
	}
	return nil
}

// checkInfo checks one info block at path f.
func checkInfo(in *alertsv1.Info, f string) error {
	if len(in.GetCategories()) == 0 {
		return errs.Field(f+".categories", "needs at least one category")
	}
	for k, c := range in.GetCategories() {
		if c == alertsv1.Category_CATEGORY_UNSPECIFIED {
			return errs.Field(fmt.Sprintf("%s.categories[%d]", f, k), "must be a CAP category")
		}
	}
	if strings.TrimSpace(in.GetEvent()) == "" {
		return errs.Field(f+".event", "is required, e.g. \"Police activity\"")
	}
	if in.GetUrgency() == alertsv1.Urgency_URGENCY_UNSPECIFIED {
		return errs.Field(f+".urgency", "is required")
	}
	if in.GetSeverity() == alertsv1.Severity_SEVERITY_UNSPECIFIED {
		return errs.Field(f+".severity", "is required")
	}
	if in.GetCertainty() == alertsv1.Certainty_CERTAINTY_UNSPECIFIED {
		return errs.Field(f+".certainty", "is required")
	}
	if strings.TrimSpace(in.GetHeadline()) == "" {
		return errs.Field(f+".headline", "is required: a short line for phone notifications")
	}
	if len([]rune(in.GetHeadline())) > 160 {
		return errs.Field(f+".headline", "is longer than 160 characters")
	}
	if w := in.GetWeb(); w != "" {
		if u, err := url.Parse(w); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errs.Field(f+".web", "must be an http or https link")
		}
	}
	if err := checkTimes(in, f); err != nil {
		return err
	}
	if len(in.GetAreas()) == 0 {
		return errs.Field(f+".areas", "needs at least one area")
	}
	for j, ar := range in.GetAreas() {
		if err := checkArea(ar, fmt.Sprintf("%s.areas[%d]", f, j)); err != nil {
			return err
		}
	}
	return nil
}

// checkTimes checks an info block's effective, onset and expire times.
func checkTimes(in *alertsv1.Info, f string) error {
	for _, t := range []struct {
		name string
		ts   *timestamppb.Timestamp
	}{{"effective_time", in.GetEffectiveTime()}, {"onset_time", in.GetOnsetTime()}, {"expire_time", in.GetExpireTime()}} {
		if t.ts == nil {
			continue
		}
		if err := t.ts.CheckValid(); err != nil {
			return errs.Field(f+"."+t.name, "is not a valid time")
		}
		if at := t.ts.AsTime(); at.Before(earliestTime) || !at.Before(latestTime) {
			return errs.Field(f+"."+t.name, "must be between %d and %d", earliestTime.Year(), latestTime.Year()-1)
		}
	}
	if in.GetExpireTime() == nil {
		return errs.Field(f+".expire_time", "is required: when the alert stops applying")
	}
	expire := in.GetExpireTime().AsTime()
	if e := in.GetEffectiveTime(); e != nil && !expire.After(e.AsTime()) {
		return errs.Field(f+".expire_time", "must be after effective_time")
	}
	if o := in.GetOnsetTime(); o != nil && !expire.After(o.AsTime()) {
		return errs.Field(f+".expire_time", "must be after onset_time")
	}
	return nil
}

// checkArea checks one area at path f: closed polygons of at least four
// points, shapes on the globe.
func checkArea(ar *alertsv1.Area, f string) error {
	if strings.TrimSpace(ar.GetDescription()) == "" {
		return errs.Field(f+".description", "is required, e.g. \"Downtown, north of Lake Street\"")
	}
	for k, p := range ar.GetPolygons() {
		pf := fmt.Sprintf("%s.polygons[%d].points", f, k)
		pts := p.GetPoints()
		if len(pts) < 4 {
			return errs.Field(pf, "needs at least 4 points, the last the same as the first")
		}
		for n, pt := range pts {
			if err := checkPoint(pt, fmt.Sprintf("%s[%d]", pf, n)); err != nil {
				return err
			}
		}
		first, last := pts[0], pts[len(pts)-1]
		if first.GetLatitude() != last.GetLatitude() || first.GetLongitude() != last.GetLongitude() {
			return errs.Field(pf, "does not close: the last point must be the same as the first")
		}
	}
	for k, c := range ar.GetCircles() {
		cf := fmt.Sprintf("%s.circles[%d]", f, k)
		if c.GetCenter() == nil {
			return errs.Field(cf+".center", "is required")
		}
		if err := checkPoint(c.GetCenter(), cf+".center"); err != nil {
			return err
		}
		if r := c.GetRadiusKm(); !(r > 0 && r <= 1000) {
			return errs.Field(cf+".radius_km", "must be above 0 and at most 1000")
		}
	}
	for k, g := range ar.GetGeocodes() {
		gf := fmt.Sprintf("%s.geocodes[%d]", f, k)
		if strings.TrimSpace(g.GetValueName()) == "" {
			return errs.Field(gf+".value_name", "is required, e.g. \"beat\"")
		}
		if strings.TrimSpace(g.GetValue()) == "" {
			return errs.Field(gf+".value", "is required")
		}
	}
	return nil
}

// checkPoint checks a WGS 84 point at path f (NaN is out of range).
func checkPoint(p *latlng.LatLng, f string) error {
	if lat := p.GetLatitude(); !(lat >= -90 && lat <= 90) {
		return errs.Field(f+".latitude", "must be between -90 and 90")
	}
	if lng := p.GetLongitude(); !(lng >= -180 && lng <= 180) {
		return errs.Field(f+".longitude", "must be between -180 and 180")
	}
	return nil
}

// needsApproval reports whether an alert needs a second person's approval
// before it is sent: when any info block is SEVERE or EXTREME.
func needsApproval(a *alertsv1.Alert) bool {
	for _, in := range a.GetInfos() {
		switch in.GetSeverity() {
		case alertsv1.Severity_SEVERITY_SEVERE, alertsv1.Severity_SEVERITY_EXTREME:
			return true
		}
	}
	return false
}
