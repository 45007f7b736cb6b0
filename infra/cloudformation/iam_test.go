package cloudformation

import (
	"context"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/portal-dev/portal/functions/dynamostore"
	"github.com/portal-dev/portal/functions/dynamostore/dynamolocal"
	"github.com/portal-dev/portal/functions/portal"
	"github.com/portal-dev/portal/functions/storetest"
	"github.com/portal-dev/portal/functions/validate"
)

// server is the one DynamoDB Local of this test binary.
var server *dynamolocal.Server

func TestMain(m *testing.M) { dynamolocal.Main(m, &server) }

// recorder is the store's DynamoDB client that notes, for each call, the
// IAM actions it needs and the store method that made it.
type recorder struct {
	dynamostore.API
	mu      sync.Mutex
	actions map[string]map[string]bool // store method → IAM actions
	indexes map[string]bool
}

// storeMethod is the outermost dynamostore.(*Store) method on the stack.
func storeMethod() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	method := "?"
	for {
		f, more := frames.Next()
		if name, ok := strings.CutPrefix(f.Function, "github.com/portal-dev/portal/functions/dynamostore.(*Store)."); ok {
			method = name
		}
		if !more {
			return method
		}
	}
}

func (r *recorder) note(actions ...string) {
	m := storeMethod()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.actions[m] == nil {
		r.actions[m] = map[string]bool{}
	}
	for _, a := range actions {
		r.actions[m]["dynamodb:"+a] = true
	}
}

func (r *recorder) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	r.note("GetItem")
	return r.API.GetItem(ctx, in, o...)
}

func (r *recorder) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	r.note("PutItem")
	return r.API.PutItem(ctx, in, o...)
}

func (r *recorder) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r.note("UpdateItem")
	return r.API.UpdateItem(ctx, in, o...)
}

func (r *recorder) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	r.note("DeleteItem")
	return r.API.DeleteItem(ctx, in, o...)
}

func (r *recorder) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	r.note("Query")
	if in.IndexName != nil {
		r.mu.Lock()
		r.indexes[*in.IndexName] = true
		r.mu.Unlock()
	}
	return r.API.Query(ctx, in, o...)
}

func (r *recorder) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	r.note("BatchGetItem")
	return r.API.BatchGetItem(ctx, in, o...)
}

// TransactWriteItems needs, per IAM, the action of each item: there is no
// dynamodb:TransactWriteItems action.
func (r *recorder) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			r.note("PutItem")
		case it.Update != nil:
			r.note("UpdateItem")
		case it.Delete != nil:
			r.note("DeleteItem")
		case it.ConditionCheck != nil:
			r.note("ConditionCheckItem")
		}
	}
	return r.API.TransactWriteItems(ctx, in, o...)
}

// granted returns the DynamoDB actions a role of the template allows, and
// the resources they are on.
func granted(t *testing.T, roleName string) (actions []string, resources []any) {
	tpl := decoded(t, testOptions["default"])
	for _, st := range at(tpl, "Resources/"+roleName+"/Properties/Policies/0/PolicyDocument/Statement").([]any) {
		for _, a := range at(st, "Action").([]any) {
			if s := a.(string); strings.HasPrefix(s, "dynamodb:") {
				actions = append(actions, s)
				resources = at(st, "Resource").([]any)
			}
		}
	}
	sort.Strings(actions)
	return actions, resources
}

// TestPolicyGrantsWhatTheStoreCalls runs the store's conformance suite
// against DynamoDB Local through a client that records every call's IAM
// action: the API function's role must grant exactly those (the store
// failing with AccessDenied on AWS is what this prevents; a grant the store
// never uses is not least privilege). The authorizer's role must grant
// exactly what the validator's store methods call.
func TestPolicyGrantsWhatTheStoreCalls(t *testing.T) {
	rec := &recorder{API: server.Client(), actions: map[string]map[string]bool{}, indexes: map[string]bool{}}
	t.Run("conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) portal.FullStore {
			return dynamostore.New(rec, server.NewTable(t))
		}, storetest.Shifted(storetest.Shifts[0].Shift))
	})
	if t.Failed() {
		return
	}
	all := map[string]bool{}
	for _, as := range rec.actions {
		for a := range as {
			all[a] = true
		}
	}
	calls := slices.Sorted(func(yield func(string) bool) {
		for a := range all {
			if !yield(a) {
				return
			}
		}
	})
	got, resources := granted(t, "ApiRole")
	if diff := cmp.Diff(calls, got); diff != "" {
		t.Errorf("ApiRole's DynamoDB actions differ from the store's calls (-called +granted):\n%s", diff)
	}
	if len(rec.indexes) > 0 && !slices.ContainsFunc(resources, func(r any) bool { return at(r, "Fn::Sub") == "${Table.Arn}/index/*" }) {
		t.Errorf("the store queries indexes %v, but the role grants only %v", rec.indexes, resources)
	}

	// The authorizer: every method of validate.GateStore.
	var need []string
	for _, typ := range []reflect.Type{reflect.TypeFor[validate.Store](), reflect.TypeFor[validate.Catalog]()} {
		for m := range typ.Methods() {
			as, ok := rec.actions[m.Name]
			if !ok {
				t.Errorf("the conformance run never called %s, which the authorizer calls", m.Name)
			}
			for a := range as {
				if !slices.Contains(need, a) {
					need = append(need, a)
				}
			}
		}
	}
	sort.Strings(need)
	got, _ = granted(t, "AuthorizerRole")
	if diff := cmp.Diff(need, got); diff != "" {
		t.Errorf("AuthorizerRole's DynamoDB actions differ from the validator's calls (-called +granted):\n%s", diff)
	}
}

// TestNoTransactWriteItemsAction: IAM authorises transactions per item;
// a policy naming dynamodb:TransactWriteItems grants nothing.
func TestNoTransactWriteItemsAction(t *testing.T) {
	t.Parallel()
	for _, role := range []string{"ApiRole", "AuthorizerRole"} {
		got, _ := granted(t, role)
		if slices.Contains(got, "dynamodb:TransactWriteItems") || slices.Contains(got, "dynamodb:TransactGetItems") {
			t.Errorf("%s grants %v: IAM has no transaction actions", role, got)
		}
	}
}
