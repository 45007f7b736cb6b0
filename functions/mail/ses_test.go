package mail

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/google/go-cmp/cmp"
)

// No SES runs here, so an httptest server stands in for its endpoint; the
// client is the real sesv2 one, built the way the Lambda functions build
// theirs, so the request below is what SES would receive.

type sesRequest struct {
	Method, Path, Auth string
	Body               map[string]any
}

type sesEndpoint struct {
	mu   sync.Mutex
	reqs []sesRequest
	// reject answers SES's MessageRejected error.
	reject bool
}

func (e *sesEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	e.mu.Lock()
	e.reqs = append(e.reqs, sesRequest{r.Method, r.URL.Path, r.Header.Get("Authorization"), body})
	reject := e.reject
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if reject {
		w.Header().Set("X-Amzn-ErrorType", "MessageRejected")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"message":"Email address is not verified."}`)
		return
	}
	io.WriteString(w, `{"MessageId":"0100018e-test"}`)
}

func setupSES(t *testing.T) (*sesEndpoint, *sesv2.Client) {
	t.Helper()
	ep := &sesEndpoint{}
	srv := httptest.NewServer(ep)
	t.Cleanup(srv.Close)
	// AWS_CA_BUNDLE is set on these machines: the SDK then wants its own
	// buildable HTTP client, not a plain http.Client.
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("eu-west-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
		config.WithHTTPClient(awshttp.NewBuildableClient()),
		config.WithRetryMaxAttempts(1),
	)
	if err != nil {
		t.Fatal(err)
	}
	client := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return ep, client
}

func TestSESSend(t *testing.T) {
	t.Parallel()
	ep, client := setupSES(t)
	s, err := NewSES(client, SESConfig{From: "Acme APIs <portal@acme.example>", ConfigurationSet: "portal-mail"})
	if err != nil {
		t.Fatal(err)
	}
	msg := testMessage(t)
	if err := s.Send(context.Background(), msg); err != nil {
		t.Fatalf("Send = %v", err)
	}
	if len(ep.reqs) != 1 {
		t.Fatalf("endpoint got %d requests, want 1", len(ep.reqs))
	}
	r := ep.reqs[0]
	if r.Method != http.MethodPost || r.Path != "/v2/email/outbound-emails" {
		t.Errorf("request = %s %s, want POST /v2/email/outbound-emails", r.Method, r.Path)
	}
	if !strings.HasPrefix(r.Auth, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(r.Auth, "/eu-west-1/ses/aws4_request") {
		t.Errorf("Authorization = %q, want a SigV4 signature for ses in eu-west-1", r.Auth)
	}
	want := map[string]any{
		"FromEmailAddress":     `"Acme APIs" <portal@acme.example>`,
		"ConfigurationSetName": "portal-mail",
		"Destination":          map[string]any{"ToAddresses": []any{"dev@example.com"}},
		"Content": map[string]any{"Simple": map[string]any{
			"Subject": map[string]any{"Data": msg.Subject, "Charset": "UTF-8"},
			"Body": map[string]any{
				"Text": map[string]any{"Data": msg.Text, "Charset": "UTF-8"},
				"Html": map[string]any{"Data": msg.HTML, "Charset": "UTF-8"},
			},
		}},
	}
	if diff := cmp.Diff(want, r.Body); diff != "" {
		t.Errorf("SendEmail body (-want +got):\n%s", diff)
	}
}

func TestSESSendError(t *testing.T) {
	t.Parallel()
	ep, client := setupSES(t)
	ep.reject = true
	s, err := NewSES(client, SESConfig{From: "portal@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), testMessage(t))
	var rejected *types.MessageRejected
	if !errors.As(err, &rejected) {
		t.Fatalf("Send = %v, want *types.MessageRejected", err)
	}
	if !strings.Contains(err.Error(), "dev@example.com") {
		t.Errorf("Send error %q does not name the recipient", err)
	}
	if _, ok := ep.reqs[0].Body["ConfigurationSetName"]; ok {
		t.Errorf("request has ConfigurationSetName without one configured")
	}
}

func TestSESRefusesInvalidMessage(t *testing.T) {
	t.Parallel()
	ep, client := setupSES(t)
	s, err := NewSES(client, SESConfig{From: "portal@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), Message{To: "dev@example.com"}); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("Send = %v, want ErrInvalidMessage", err)
	}
	if len(ep.reqs) != 0 {
		t.Errorf("endpoint got %d requests, want 0", len(ep.reqs))
	}
	if _, err := NewSES(client, SESConfig{}); err == nil {
		t.Error("NewSES without From = nil error, want one")
	}
	if _, err := NewSES(nil, SESConfig{From: "portal@acme.example"}); err == nil {
		t.Error("NewSES(nil client) = nil error, want one")
	}
}
