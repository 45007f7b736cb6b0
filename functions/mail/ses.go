package mail

import (
	"context"
	"fmt"
	"net/mail"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// SESClient is the one call [SES] makes; *sesv2.Client satisfies it.
type SESClient interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// SESConfig configures an [SES] sender.
type SESConfig struct {
	// From is a verified SES identity, e.g. "Acme APIs <portal@acme.example>".
	From string
	// ConfigurationSet, when set, names the SES configuration set to send
	// with (event publishing, dedicated IPs).
	ConfigurationSet string
}

// SES sends mail with Amazon SES v2 SendEmail and Simple content: SES builds
// the MIME message from the subject, text and HTML.
type SES struct {
	client SESClient
	cfg    SESConfig
	from   *mail.Address
}

// NewSES returns an SES sender using client, built once by the caller
// (before lambda.Start on Lambda).
func NewSES(client SESClient, cfg SESConfig) (*SES, error) {
	if client == nil {
		return nil, fmt.Errorf("mail: ses client not set")
	}
	from, err := parseFrom(cfg.From)
	if err != nil {
		return nil, err
	}
	return &SES{client: client, cfg: cfg, from: from}, nil
}

// Send delivers msg through SES.
func (s *SES) Send(ctx context.Context, msg Message) error {
	to, err := msg.validate()
	if err != nil {
		return err
	}
	body := &types.Body{Text: &types.Content{Data: aws.String(msg.Text), Charset: aws.String("UTF-8")}}
	if msg.HTML != "" {
		body.Html = &types.Content{Data: aws.String(msg.HTML), Charset: aws.String("UTF-8")}
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(formatAddress(s.from)),
		Destination:      &types.Destination{ToAddresses: []string{formatAddress(to)}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(headerText(msg.Subject)), Charset: aws.String("UTF-8")},
			Body:    body,
		}},
	}
	if s.cfg.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.cfg.ConfigurationSet)
	}
	if _, err := s.client.SendEmail(ctx, in); err != nil {
		return fmt.Errorf("ses: send mail to %s: %w", to.Address, err)
	}
	return nil
}
