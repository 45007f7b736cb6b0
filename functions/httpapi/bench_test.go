package httpapi_test

import (
	"path/filepath"
	"testing"

	"github.com/portal-dev/portal/functions/boltstore"
	"github.com/portal-dev/portal/functions/httpapi/apitest"
)

func BenchmarkBolt(b *testing.B) {
	st, err := boltstore.Open(filepath.Join(b.TempDir(), "portal.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	apitest.BenchStore(b, st)
}
