package capxml

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The CAP spellings of the enums, indexed by the proto value; the empty
// string stands for the unspecified value and for CAP values the model
// does not carry (System, Draft, Ack, Error, Private).
var (
	statuses = []string{
		alertsv1.Status_STATUS_ACTUAL:   "Actual",
		alertsv1.Status_STATUS_EXERCISE: "Exercise",
		alertsv1.Status_STATUS_TEST:     "Test",
	}
	messageTypes = []string{
		alertsv1.MessageType_MESSAGE_TYPE_ALERT:  "Alert",
		alertsv1.MessageType_MESSAGE_TYPE_UPDATE: "Update",
		alertsv1.MessageType_MESSAGE_TYPE_CANCEL: "Cancel",
	}
	scopes = []string{
		alertsv1.Scope_SCOPE_PUBLIC:     "Public",
		alertsv1.Scope_SCOPE_RESTRICTED: "Restricted",
	}
	categories = []string{
		alertsv1.Category_CATEGORY_GEO:       "Geo",
		alertsv1.Category_CATEGORY_MET:       "Met",
		alertsv1.Category_CATEGORY_SAFETY:    "Safety",
		alertsv1.Category_CATEGORY_SECURITY:  "Security",
		alertsv1.Category_CATEGORY_RESCUE:    "Rescue",
		alertsv1.Category_CATEGORY_FIRE:      "Fire",
		alertsv1.Category_CATEGORY_HEALTH:    "Health",
		alertsv1.Category_CATEGORY_ENV:       "Env",
		alertsv1.Category_CATEGORY_TRANSPORT: "Transport",
		alertsv1.Category_CATEGORY_INFRA:     "Infra",
		alertsv1.Category_CATEGORY_CBRNE:     "CBRNE",
		alertsv1.Category_CATEGORY_OTHER:     "Other",
	}
	responseTypes = []string{
		alertsv1.ResponseType_RESPONSE_TYPE_SHELTER:   "Shelter",
		alertsv1.ResponseType_RESPONSE_TYPE_EVACUATE:  "Evacuate",
		alertsv1.ResponseType_RESPONSE_TYPE_PREPARE:   "Prepare",
		alertsv1.ResponseType_RESPONSE_TYPE_EXECUTE:   "Execute",
		alertsv1.ResponseType_RESPONSE_TYPE_AVOID:     "Avoid",
		alertsv1.ResponseType_RESPONSE_TYPE_MONITOR:   "Monitor",
		alertsv1.ResponseType_RESPONSE_TYPE_ASSESS:    "Assess",
		alertsv1.ResponseType_RESPONSE_TYPE_ALL_CLEAR: "AllClear",
		alertsv1.ResponseType_RESPONSE_TYPE_NONE:      "None",
	}
	urgencies = []string{
		alertsv1.Urgency_URGENCY_IMMEDIATE: "Immediate",
		alertsv1.Urgency_URGENCY_EXPECTED:  "Expected",
		alertsv1.Urgency_URGENCY_FUTURE:    "Future",
		alertsv1.Urgency_URGENCY_PAST:      "Past",
		alertsv1.Urgency_URGENCY_UNKNOWN:   "Unknown",
	}
	severities = []string{
		alertsv1.Severity_SEVERITY_UNKNOWN:  "Unknown",
		alertsv1.Severity_SEVERITY_MINOR:    "Minor",
		alertsv1.Severity_SEVERITY_MODERATE: "Moderate",
		alertsv1.Severity_SEVERITY_SEVERE:   "Severe",
		alertsv1.Severity_SEVERITY_EXTREME:  "Extreme",
	}
	certainties = []string{
		alertsv1.Certainty_CERTAINTY_OBSERVED: "Observed",
		alertsv1.Certainty_CERTAINTY_LIKELY:   "Likely",
		alertsv1.Certainty_CERTAINTY_POSSIBLE: "Possible",
		alertsv1.Certainty_CERTAINTY_UNLIKELY: "Unlikely",
		alertsv1.Certainty_CERTAINTY_UNKNOWN:  "Unknown",
	}
)

// spell returns the CAP spelling of v, or an error naming path when v
// has none.
func spell[E ~int32](names []string, v E, path string) (string, error) {
	if v > 0 && int(v) < len(names) && names[v] != "" {
		return names[v], nil
	}
	return "", fmt.Errorf("%s: no CAP value for %d", path, v)
}

// parseEnum returns the value spelled s in names, or an error naming
// path. CAP spellings are case-sensitive.
func parseEnum[E ~int32](names []string, s, path string) (E, error) {
	for i, n := range names {
		if n != "" && n == s {
			return E(i), nil
		}
	}
	if s == "" {
		return 0, fmt.Errorf("%s: is empty", path)
	}
	return 0, fmt.Errorf("%s: %q is not a value this service accepts (one of %s)", path, s, strings.Join(nonEmpty(names), ", "))
}

func nonEmpty(names []string) []string {
	var out []string
	for _, n := range names {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// capTime is the CAP dateTime layout: seconds, an explicit offset, no
// fraction and no "Z" (the schema's pattern).
const capTime = "2006-01-02T15:04:05-07:00"

// capTimePattern is the schema's pattern for CAP date-times (its
// character class also admits a comma, which no offset can be).
var capTimePattern = regexp.MustCompile(`^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$`)

// formatTime writes t in UTC, to the second. CAP 1.2 (3.3.2) writes UTC
// as "-00:00": the schema's pattern admits "+00:00" too, but never "Z".
func formatTime(t *timestamppb.Timestamp) string {
	return t.AsTime().UTC().Truncate(time.Second).Format("2006-01-02T15:04:05") + "-00:00"
}

// parseTime reads a CAP date-time.
func parseTime(s, path string) (*timestamppb.Timestamp, error) {
	if !capTimePattern.MatchString(s) {
		return nil, fmt.Errorf("%s: %q is not a CAP date-time such as 2026-11-23T10:00:00-06:00", path, s)
	}
	t, err := time.Parse(capTime, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not a valid date-time", path, s)
	}
	if t.Year() < 1 {
		return nil, fmt.Errorf("%s: %q is out of range", path, s)
	}
	return timestamppb.New(t), nil
}

// formatFloat writes the shortest decimal that reads back as f.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// formatPoint writes "lat,lon".
func formatPoint(p *latlng.LatLng) string {
	return formatFloat(p.GetLatitude()) + "," + formatFloat(p.GetLongitude())
}

// formatPolygon writes a CAP polygon: its points as "lat,lon" separated by
// spaces.
func formatPolygon(p *alertsv1.Polygon) string {
	pts := make([]string, len(p.GetPoints()))
	for i, pt := range p.GetPoints() {
		pts[i] = formatPoint(pt)
	}
	return strings.Join(pts, " ")
}

// formatCircle writes a CAP circle: "lat,lon radius", the radius in
// kilometres.
func formatCircle(c *alertsv1.Circle) string {
	return formatPoint(c.GetCenter()) + " " + formatFloat(c.GetRadiusKm())
}

// parseNumber reads a finite decimal number (no exponent, no hex, no
// infinities).
func parseNumber(s string) (float64, bool) {
	if !decimalPattern.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

var decimalPattern = regexp.MustCompile(`^[-+]?(\d+(\.\d*)?|\.\d+)$`)

// parsePoint reads "lat,lon" in WGS 84.
func parsePoint(s, path string) (*latlng.LatLng, error) {
	lat, lon, ok := strings.Cut(s, ",")
	if !ok {
		return nil, fmt.Errorf("%s: %q is not a point \"lat,lon\"", path, s)
	}
	la, ok1 := parseNumber(lat)
	lo, ok2 := parseNumber(lon)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: %q is not a point \"lat,lon\"", path, s)
	}
	if la < -90 || la > 90 || lo < -180 || lo > 180 {
		return nil, fmt.Errorf("%s: %q is outside WGS 84 (latitude -90..90, longitude -180..180)", path, s)
	}
	return &latlng.LatLng{Latitude: la, Longitude: lo}, nil
}

// parsePolygon reads a CAP polygon: at least four points, the first and
// the last the same.
func parsePolygon(s, path string) (*alertsv1.Polygon, error) {
	fields := strings.Fields(s)
	if len(fields) < 4 {
		return nil, fmt.Errorf("%s: has %d points; a polygon needs at least 4, the last the same as the first", path, len(fields))
	}
	if len(fields) > MaxPolygonPoints {
		return nil, fmt.Errorf("%s: has %d points; at most %d", path, len(fields), MaxPolygonPoints)
	}
	p := &alertsv1.Polygon{Points: make([]*latlng.LatLng, len(fields))}
	for i, f := range fields {
		pt, err := parsePoint(f, fmt.Sprintf("%s point %d", path, i+1))
		if err != nil {
			return nil, err
		}
		p.Points[i] = pt
	}
	first, last := p.Points[0], p.Points[len(p.Points)-1]
	if first.Latitude != last.Latitude || first.Longitude != last.Longitude {
		return nil, fmt.Errorf("%s: does not close (its last point must be its first)", path)
	}
	return p, nil
}

// parseCircle reads a CAP circle "lat,lon radius".
func parseCircle(s, path string) (*alertsv1.Circle, error) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return nil, fmt.Errorf("%s: %q is not a circle \"lat,lon radius\"", path, s)
	}
	c, err := parsePoint(fields[0], path)
	if err != nil {
		return nil, err
	}
	r, ok := parseNumber(fields[1])
	if !ok {
		return nil, fmt.Errorf("%s: radius %q is not a number", path, fields[1])
	}
	if r <= 0 || r > MaxRadiusKm {
		return nil, fmt.Errorf("%s: radius %s km is not above 0 and at most %d", path, fields[1], MaxRadiusKm)
	}
	return &alertsv1.Circle{Center: c, RadiusKm: r}, nil
}
