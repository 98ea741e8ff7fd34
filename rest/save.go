package rest

import (
	"errors"
	"slices"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
)

// Invalid turns the validation error of a failed save into DRF's 400: one
// list per field, renamed to the API's field names, and unique-set and
// cross-field rule messages under non_field_errors. Other errors pass
// through unchanged.
func Invalid(err error, rename map[string]string, nonField ...string) error {
	var verrs validation.Errors
	if !errors.As(err, &verrs) {
		return err
	}
	out := map[string][]string{}
	for field, fe := range verrs {
		msg := fe.Error()
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
		key := field
		if r, ok := rename[field]; ok {
			key = r
		}
		if strings.HasPrefix(msg, "The fields ") || slices.Contains(nonField, field) {
			key = "non_field_errors"
		}
		out[key] = append(out[key], msg)
	}
	return Fields(out)
}
