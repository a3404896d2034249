package alerts

import (
	"math"
	"testing"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/genproto/googleapis/type/timeofday"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func ll(lat, lng float64) *latlng.LatLng { return &latlng.LatLng{Latitude: lat, Longitude: lng} }

// The Loop, downtown Chicago, as a closed CAP polygon.
var loop = &alertsv1.Polygon{Points: []*latlng.LatLng{
	ll(41.8881, -87.6400), ll(41.8881, -87.6200), ll(41.8750, -87.6200), ll(41.8750, -87.6400), ll(41.8881, -87.6400),
}}

// One kilometre around Millennium Park.
var park = &alertsv1.Circle{Center: ll(41.8826, -87.6226), RadiusKm: 1}

var (
	willisTower   = ll(41.8789, -87.6359) // inside the Loop
	wrigleyField  = ll(41.9484, -87.6553) // north side: outside both
	artInstitute  = ll(41.8796, -87.6237) // 0.35 km from the park's centre
	navyPier      = ll(41.8917, -87.6086) // 1.5 km from it
	loopCorner    = ll(41.8881, -87.6400) // a vertex of the Loop
	loopEdge      = ll(41.8881, -87.6300) // on its north edge
	newYorkCity   = ll(40.7128, -74.0060)
	chicagoCenter = ll(41.8781, -87.6298)
)

func alertWith(infos ...*alertsv1.Info) *alertsv1.Alert {
	return &alertsv1.Alert{Name: "agencies/metro/alerts/a1", Infos: infos, SendTime: timestamppb.New(time.Date(2025, 6, 1, 17, 0, 0, 0, time.UTC))}
}

func info(lang string, sev alertsv1.Severity, cats []alertsv1.Category, areas ...*alertsv1.Area) *alertsv1.Info {
	return &alertsv1.Info{LanguageCode: lang, Severity: sev, Categories: cats, Areas: areas, Headline: lang}
}

var (
	safety   = []alertsv1.Category{alertsv1.Category_CATEGORY_SAFETY}
	fire     = []alertsv1.Category{alertsv1.Category_CATEGORY_FIRE}
	moderate = alertsv1.Severity_SEVERITY_MODERATE
	minor    = alertsv1.Severity_SEVERITY_MINOR
	severe   = alertsv1.Severity_SEVERITY_SEVERE
	extreme  = alertsv1.Severity_SEVERITY_EXTREME
)

func TestFilterMatches(t *testing.T) {
	t.Parallel()
	polygonArea := &alertsv1.Area{Description: "The Loop", Polygons: []*alertsv1.Polygon{loop}}
	circleArea := &alertsv1.Area{Description: "Millennium Park", Circles: []*alertsv1.Circle{park}}
	everywhere := &alertsv1.Area{Description: "Citywide"}
	beatOnly := &alertsv1.Area{Description: "Beat 1024", Geocodes: []*alertsv1.Geocode{{ValueName: "beat", Value: "1024"}}}
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	// 22:00 to 07:00 in Chicago; the alerts are sent at 17:00 UTC (noon).
	night := &quietHours{start: 22 * 60, end: 7 * 60, loc: chicago}
	noon := &quietHours{start: 11 * 60, end: 13 * 60, loc: chicago}

	for _, tc := range []struct {
		name  string
		f     filter
		alert *alertsv1.Alert
		want  bool
	}{
		{"no filter", filter{}, alertWith(info("en-US", minor, safety, polygonArea)), true},
		{"point inside polygon", filter{point: willisTower}, alertWith(info("en-US", minor, safety, polygonArea)), true},
		{"point outside polygon", filter{point: wrigleyField}, alertWith(info("en-US", minor, safety, polygonArea)), false},
		{"point on polygon vertex", filter{point: loopCorner}, alertWith(info("en-US", minor, safety, polygonArea)), true},
		{"point on polygon edge", filter{point: loopEdge}, alertWith(info("en-US", minor, safety, polygonArea)), true},
		{"point inside circle", filter{point: artInstitute}, alertWith(info("en-US", minor, safety, circleArea)), true},
		{"point outside circle", filter{point: navyPier}, alertWith(info("en-US", minor, safety, circleArea)), false},
		{"jurisdiction-wide area", filter{point: wrigleyField}, alertWith(info("en-US", minor, safety, everywhere)), true},
		{"geocode-only area matches no point", filter{point: willisTower}, alertWith(info("en-US", minor, safety, beatOnly)), false},
		{"geocode-only area without point", filter{}, alertWith(info("en-US", minor, safety, beatOnly)), true},
		{"any area", filter{point: navyPier}, alertWith(info("en-US", minor, safety, polygonArea, beatOnly, &alertsv1.Area{Circles: []*alertsv1.Circle{{Center: navyPier, RadiusKm: 0.1}}})), true},
		{"any place", filter{points: []*latlng.LatLng{wrigleyField, willisTower}}, alertWith(info("en-US", minor, safety, polygonArea)), true},
		{"no place", filter{points: []*latlng.LatLng{wrigleyField, navyPier}}, alertWith(info("en-US", minor, safety, polygonArea)), false},
		{"category", filter{categories: []alertsv1.Category{alertsv1.Category_CATEGORY_MET, alertsv1.Category_CATEGORY_SAFETY}}, alertWith(info("en-US", minor, safety, everywhere)), true},
		{"other category", filter{categories: fire}, alertWith(info("en-US", minor, safety, everywhere)), false},
		{"severity at minimum", filter{minSeverity: moderate}, alertWith(info("en-US", moderate, safety, everywhere)), true},
		{"severity below minimum", filter{minSeverity: moderate}, alertWith(info("en-US", minor, safety, everywhere)), false},
		{"unknown ranks lowest", filter{minSeverity: minor}, alertWith(info("en-US", alertsv1.Severity_SEVERITY_UNKNOWN, safety, everywhere)), false},
		{
			"one info block must match everything",
			filter{point: willisTower, categories: fire, minSeverity: severe},
			alertWith(info("en-US", extreme, safety, polygonArea), info("es", minor, fire, polygonArea)),
			false,
		},
		{
			"second info block matches",
			filter{point: willisTower, categories: fire, minSeverity: severe},
			alertWith(info("en-US", minor, safety, polygonArea), info("es", extreme, fire, polygonArea)),
			true,
		},
		{"outside quiet hours", filter{quiet: night}, alertWith(info("en-US", minor, safety, everywhere)), true},
		{"quiet hours hold back moderate", filter{quiet: noon}, alertWith(info("en-US", moderate, safety, everywhere)), false},
		{"quiet hours let severe through", filter{quiet: noon}, alertWith(info("en-US", severe, safety, everywhere)), true},
		{"quiet hours let extreme through", filter{quiet: noon, minSeverity: extreme}, alertWith(info("en-US", extreme, safety, everywhere)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.f.matches(tc.alert); got != tc.want {
				t.Errorf("matches = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDistanceKm(t *testing.T) {
	t.Parallel()
	// Chicago to New York City is about 1,145 km.
	if d := distanceKm(chicagoCenter, newYorkCity); math.Abs(d-1145) > 5 {
		t.Errorf("Chicago to New York = %.1f km, want about 1145", d)
	}
	if d := distanceKm(park.GetCenter(), artInstitute); d > 0.5 || d < 0.2 {
		t.Errorf("park to Art Institute = %.3f km, want about 0.35", d)
	}
	if d := distanceKm(willisTower, willisTower); d != 0 {
		t.Errorf("distance to itself = %v", d)
	}
}

func TestPolygonContainsConcave(t *testing.T) {
	t.Parallel()
	// A U shape: the notch between its arms is outside.
	u := []*latlng.LatLng{ll(0, 0), ll(0, 3), ll(3, 3), ll(3, 2), ll(1, 2), ll(1, 1), ll(3, 1), ll(3, 0), ll(0, 0)}
	for _, tc := range []struct {
		name string
		p    *latlng.LatLng
		want bool
	}{
		{"left arm", ll(2, 0.5), true},
		{"base", ll(0.5, 1.5), true},
		{"notch", ll(2, 1.5), false},
		{"right arm", ll(2, 2.5), true},
		{"beyond", ll(4, 1.5), false},
		{"notch edge", ll(1, 1.5), true},
	} {
		if got := polygonContains(u, tc.p); got != tc.want {
			t.Errorf("%s: polygonContains = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestQuietHours(t *testing.T) {
	t.Parallel()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	q := quietHoursOf(&alertsv1.QuietHours{Start: &timeofday.TimeOfDay{Hours: 22}, End: &timeofday.TimeOfDay{Hours: 7, Minutes: 30}}, chicago)
	if q == nil {
		t.Fatal("quietHoursOf = nil")
	}
	at := func(h, m int) time.Time { return time.Date(2025, 1, 15, h, m, 0, 0, chicago).UTC() }
	for _, tc := range []struct {
		t    time.Time
		want bool
	}{
		{at(21, 59), false}, {at(22, 0), true}, {at(23, 59), true}, {at(0, 0), true},
		{at(7, 29), true}, {at(7, 30), false}, {at(12, 0), false},
	} {
		if got := q.contains(tc.t); got != tc.want {
			t.Errorf("contains(%v) = %v, want %v", tc.t.In(chicago), got, tc.want)
		}
	}
	// The subscription's own zone wins over the agency's.
	tokyo := quietHoursOf(&alertsv1.QuietHours{Start: &timeofday.TimeOfDay{Hours: 9}, End: &timeofday.TimeOfDay{Hours: 10}, TimeZone: "Asia/Tokyo"}, chicago)
	if tokyo == nil || !tokyo.contains(time.Date(2025, 1, 15, 0, 30, 0, 0, time.UTC)) {
		t.Errorf("09:30 in Tokyo is not quiet: %+v", tokyo)
	}
	for name, bad := range map[string]*alertsv1.QuietHours{
		"nil":          nil,
		"empty window": {Start: &timeofday.TimeOfDay{Hours: 9}, End: &timeofday.TimeOfDay{Hours: 9}},
		"unknown zone": {Start: &timeofday.TimeOfDay{Hours: 9}, End: &timeofday.TimeOfDay{Hours: 10}, TimeZone: "Mars/Olympus"},
	} {
		if q := quietHoursOf(bad, chicago); q != nil {
			t.Errorf("%s: quietHoursOf = %+v, want nil", name, q)
		}
	}
}

func TestLocalize(t *testing.T) {
	t.Parallel()
	a := alertWith(
		info("en-US", minor, safety),
		info("es-MX", minor, safety),
		info("fr", minor, safety),
	)
	for _, tc := range []struct {
		language string
		want     []string
	}{
		{"", []string{"en-US", "es-MX", "fr"}},
		{"es", []string{"es-MX"}},
		{"ES-mx", []string{"es-MX"}},
		{"fr-CA", []string{"fr"}},
		{"en", []string{"en-US"}},
		{"de", []string{"en-US"}},
		{"es-ES", []string{"en-US"}},
	} {
		got := localize(a, tc.language)
		var langs []string
		for _, i := range got.GetInfos() {
			langs = append(langs, i.GetLanguageCode())
		}
		if len(langs) != len(tc.want) {
			t.Errorf("localize(%q) = %v, want %v", tc.language, langs, tc.want)
			continue
		}
		for i := range langs {
			if langs[i] != tc.want[i] {
				t.Errorf("localize(%q) = %v, want %v", tc.language, langs, tc.want)
			}
		}
	}
	if len(a.GetInfos()) != 3 {
		t.Errorf("localize changed its argument: %d info blocks", len(a.GetInfos()))
	}
	unnamed := alertWith(info("", minor, safety), info("es", minor, safety))
	if got := localize(unnamed, "en-us").GetInfos(); len(got) != 1 || got[0].GetLanguageCode() != "" {
		t.Errorf("a block without language is not en-US: %v", got)
	}
}

func TestMaxSeverity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sevs []alertsv1.Severity
		want alertsv1.Severity
	}{
		{nil, alertsv1.Severity_SEVERITY_UNSPECIFIED},
		{[]alertsv1.Severity{alertsv1.Severity_SEVERITY_UNKNOWN}, alertsv1.Severity_SEVERITY_UNKNOWN},
		{[]alertsv1.Severity{minor, extreme, moderate}, extreme},
		{[]alertsv1.Severity{alertsv1.Severity_SEVERITY_UNKNOWN, minor}, minor},
		{[]alertsv1.Severity{moderate, severe}, severe},
	} {
		var infos []*alertsv1.Info
		for _, s := range tc.sevs {
			infos = append(infos, info("en", s, safety))
		}
		if got := maxSeverity(alertWith(infos...)); got != tc.want {
			t.Errorf("maxSeverity(%v) = %v, want %v", tc.sevs, got, tc.want)
		}
	}
}
