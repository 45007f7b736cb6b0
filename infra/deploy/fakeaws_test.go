package deploy

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
)

// The AWS services that cannot run here answer from these stand-ins: each
// answers the calls a deploy makes with the response bodies AWS documents
// for them (the API references' examples, and the SDK's own response
// snapshots): recorded shapes, not a live AWS. CloudFormation and STS
// speak the query protocol (XML), CloudFront REST-XML, and the
// KeyValueStore REST-JSON.

const (
	testAccount = "123456789012"
	testKVSARN  = "arn:aws:cloudfront::123456789012:key-value-store/6e8fa3f4-0d6b-4a1f-9b3c-0a1b2c3d4e5f"
	testDistID  = "E2QWRUHAPOMQZL"
)

// fakeCFN is CloudFormation holding one stack.
type fakeCFN struct {
	t          *testing.T
	mu         sync.Mutex
	backend    gofakes3.Backend // the stack's bucket is made here
	table      string
	siteBucket string
	failCreate bool

	exists   bool
	deleted  bool // a failed create deleted itself: only its id reads it
	status   string
	reason   string
	template string
	params   map[string]string
	pending  string // the status the next describe moves to
	calls    []string
	events   string
}

func queryResponse(w http.ResponseWriter, action, ns, result string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>b9b4b068-3a41-11e5-94eb-example</RequestId></ResponseMetadata></%sResponse>`,
		action, ns, action, result, action, action)
}

func queryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>4af14eec-350e-11e4-b260-example</RequestId></ErrorResponse>`, code, html.EscapeString(msg))
}

const cfnNS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

func (f *fakeCFN) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	action := form.Get("Action")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, action)
	name := form.Get("StackName")
	byID := strings.HasPrefix(name, "arn:")
	if byID {
		name = strings.Split(name, "/")[1]
	}
	stackARN := "arn:aws:cloudformation:us-east-1:" + testAccount + ":stack/" + name + "/c1f8a1b0-3a41-11e5-94eb-example"
	params := func() map[string]string {
		m := map[string]string{}
		for i := 1; form.Has(fmt.Sprintf("Parameters.member.%d.ParameterKey", i)); i++ {
			m[form.Get(fmt.Sprintf("Parameters.member.%d.ParameterKey", i))] = form.Get(fmt.Sprintf("Parameters.member.%d.ParameterValue", i))
		}
		return m
	}
	switch action {
	case "DescribeStacks":
		if f.pending != "" {
			f.status, f.pending = f.pending, ""
			if f.status == "DELETE_COMPLETE" {
				f.exists, f.deleted = false, true
			}
		}
		if !f.exists && !(byID && f.deleted) {
			queryError(w, 400, "ValidationError", "Stack with id "+form.Get("StackName")+" does not exist")
			return
		}
		outputs := ""
		if f.status == "CREATE_COMPLETE" || f.status == "UPDATE_COMPLETE" {
			for k, v := range map[string]string{
				"PortalURL": "https://d111111abcdef8.cloudfront.net", "DistributionId": testDistID, "SiteBucket": f.siteBucket,
				"ApiEndpoint": "https://abcdef1234.execute-api.eu-west-1.amazonaws.com", "TableName": f.table, "KeyValueStoreArn": testKVSARN,
				"AuthorizerFunctionArn": "arn:aws:lambda:eu-west-1:" + testAccount + ":function:portal-authorizer",
				"DkimRecords":           "abc._domainkey.acme.com CNAME abc.dkim.amazonses.com",
			} {
				outputs += "<member><OutputKey>" + k + "</OutputKey><OutputValue>" + v + "</OutputValue></member>"
			}
		}
		queryResponse(w, "DescribeStacks", cfnNS, `<Stacks><member><StackName>`+form.Get("StackName")+`</StackName><StackId>`+stackARN+`</StackId>`+
			`<CreationTime>2026-11-30T10:00:00.000Z</CreationTime><StackStatus>`+f.status+`</StackStatus><StackStatusReason>`+html.EscapeString(f.reason)+`</StackStatusReason>`+
			`<Outputs>`+outputs+`</Outputs></member></Stacks>`)
	case "CreateStack":
		if f.exists {
			queryError(w, 400, "AlreadyExistsException", "Stack ["+form.Get("StackName")+"] already exists")
			return
		}
		if form.Get("Capabilities.member.1") != "CAPABILITY_IAM" {
			queryError(w, 400, "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]")
			return
		}
		if form.Get("OnFailure") != "DELETE" {
			queryError(w, 400, "ValidationError", "the fake expects OnFailure=DELETE")
			return
		}
		f.exists, f.deleted, f.status, f.template, f.params = true, false, "CREATE_IN_PROGRESS", form.Get("TemplateBody"), params()
		f.pending = "CREATE_COMPLETE"
		if f.failCreate {
			// OnFailure DELETE: the stack rolls back and deletes itself.
			f.pending, f.reason = "DELETE_COMPLETE", "The following resource(s) failed to create: [Distribution]. Delete requested by user."
			f.events = `<member><StackId>` + stackARN + `</StackId><EventId>Distribution-CREATE_FAILED-2026-11-30T10:05:00.000Z</EventId><StackName>` + form.Get("StackName") + `</StackName>` +
				`<LogicalResourceId>Distribution</LogicalResourceId><ResourceType>AWS::CloudFront::Distribution</ResourceType><Timestamp>2099-01-01T00:00:00.000Z</Timestamp>` +
				`<ResourceStatus>CREATE_FAILED</ResourceStatus><ResourceStatusReason>Resource handler returned message: "Invalid request provided: AWS::CloudFront::Distribution: The specified SSL certificate doesn't exist, isn't in us-east-1 region" (RequestToken: 1, HandlerErrorCode: InvalidRequest)</ResourceStatusReason></member>`
		} else {
			if err := f.backend.CreateBucket(f.siteBucket); err != nil && !gofakes3.IsAlreadyExists(err) {
				f.t.Errorf("fake CloudFormation: create bucket: %v", err)
			}
		}
		queryResponse(w, "CreateStack", cfnNS, "<StackId>"+stackARN+"</StackId>")
	case "UpdateStack":
		if !f.exists {
			queryError(w, 400, "ValidationError", "Stack with id "+form.Get("StackName")+" does not exist")
			return
		}
		p := params()
		if form.Get("TemplateBody") == f.template && fmt.Sprint(p) == fmt.Sprint(f.params) {
			queryError(w, 400, "ValidationError", "No updates are to be performed.")
			return
		}
		f.status, f.template, f.params, f.pending = "UPDATE_IN_PROGRESS", form.Get("TemplateBody"), p, "UPDATE_COMPLETE"
		queryResponse(w, "UpdateStack", cfnNS, "<StackId>"+stackARN+"</StackId>")
	case "DeleteStack":
		f.status, f.pending = "DELETE_IN_PROGRESS", "DELETE_COMPLETE"
		queryResponse(w, "DeleteStack", cfnNS, "")
	case "DescribeStackEvents":
		queryResponse(w, "DescribeStackEvents", cfnNS, "<StackEvents>"+f.events+"</StackEvents>")
	default:
		f.t.Errorf("fake CloudFormation: unexpected action %q", action)
		queryError(w, 400, "InvalidAction", action)
	}
}

// fakeSTS answers GetCallerIdentity.
func fakeSTS(w http.ResponseWriter, r *http.Request) {
	queryResponse(w, "GetCallerIdentity", "https://sts.amazonaws.com/doc/2011-06-15/",
		"<Arn>arn:aws:iam::"+testAccount+":user/deployer</Arn><UserId>AIDACKCEVSQ6C2EXAMPLE</UserId><Account>"+testAccount+"</Account>")
}

// fakeCloudFront records invalidations.
type fakeCloudFront struct {
	mu    sync.Mutex
	paths [][]string
}

func (f *fakeCloudFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/2020-05-31/distribution/"+testDistID+"/invalidation" {
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
		return
	}
	var batch struct {
		CallerReference string
		Paths           struct {
			Quantity int
			Items    []string `xml:"Items>Path"`
		}
	}
	raw, _ := io.ReadAll(r.Body)
	if err := xml.Unmarshal(raw, &batch); err != nil || batch.Paths.Quantity != len(batch.Paths.Items) || batch.CallerReference == "" {
		http.Error(w, "bad batch: "+string(raw), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.paths = append(f.paths, batch.Paths.Items)
	f.mu.Unlock()
	w.Header().Set("Location", "https://cloudfront.amazonaws.com/2020-05-31/distribution/"+testDistID+"/invalidation/I2J0I21PCUYOIK")
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `<?xml version="1.0"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>I2J0I21PCUYOIK</Id><Status>InProgress</Status><CreateTime>2026-11-30T10:10:00Z</CreateTime>%s</Invalidation>`, strings.TrimPrefix(string(raw), `<?xml version="1.0" encoding="UTF-8"?>`))
}

// fakeKVS is one KeyValueStore.
type fakeKVS struct {
	mu    sync.Mutex
	etag  int
	items map[string]string
	puts  int
}

func (f *fakeKVS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rest, ok := strings.CutPrefix(r.URL.Path, "/key-value-stores/"+testKVSARN)
	if !ok {
		rest, ok = strings.CutPrefix(r.URL.EscapedPath(), "/key-value-stores/"+url.PathEscape(testKVSARN))
	}
	if !ok {
		http.Error(w, "unknown store "+r.URL.Path, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	etag := fmt.Sprintf("KV1F83G8C2ARO7P%d", f.etag)
	switch key, isKey := strings.CutPrefix(rest, "/keys/"); {
	case !isKey && r.Method == http.MethodGet:
		w.Header().Set("ETag", etag)
		fmt.Fprintf(w, `{"ItemCount":%d,"TotalSizeInBytes":64,"KvsARN":%q,"Created":1795341600,"LastModified":1795341600,"Status":"READY"}`, len(f.items), testKVSARN)
	case isKey && r.Method == http.MethodGet:
		v, ok := f.items[key]
		if !ok {
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"Message":"Key not found"}`)
			return
		}
		fmt.Fprintf(w, `{"Key":%q,"Value":%q,"ItemCount":%d,"TotalSizeInBytes":64}`, key, v, len(f.items))
	case isKey && r.Method == http.MethodPut:
		if r.Header.Get("If-Match") != etag {
			w.Header().Set("X-Amzn-Errortype", "ConflictException")
			w.WriteHeader(http.StatusConflict)
			fmt.Fprint(w, `{"Message":"Pre-condition failed"}`)
			return
		}
		var in struct{ Value string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.items[key], f.etag, f.puts = in.Value, f.etag+1, f.puts+1
		w.Header().Set("ETag", fmt.Sprintf("KV1F83G8C2ARO7P%d", f.etag))
		fmt.Fprintf(w, `{"ItemCount":%d,"TotalSizeInBytes":64}`, len(f.items))
	default:
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
	}
}

func serve(t *testing.T, h http.Handler) string {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}
