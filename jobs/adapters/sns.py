"""The alert topic (SNS) `floatctl watch` pages through, and the one-page-per-night record (DynamoDB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from jobs.adapters import dynamo
from jobs.adapters.aws_errors import error_code
from jobs.domain.keys import watch_page_pk
from jobs.domain.records import iso, utc_now
from jobs.errors import ConfigError, DependencyError, credential_error

PAGE_SK = "page"
SUBJECT_MAX = 99


def _code(exc: Exception) -> str:
    return error_code(exc) or type(exc).__name__


def alert_subject(text: str) -> str:
    """A subject SNS delivers unmodified: printable ASCII, one line, under 100 characters.

    AWS (Amazon SNS message validation rules): a subject that "contains control or non-ASCII
    characters" is modified on receipt
    (https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver-validation-truncation.html).
    """
    plain = "".join(c if 32 <= ord(c) < 127 else "?" for c in " ".join(text.split()))
    return plain[:SUBJECT_MAX]


def topic_arn(settings: Any, sts: Any, arn: str | None = None, name: str | None = None) -> str:
    """A topic's ARN: `arn` if set, else the topic `name` in the caller's account and region.

    By default the alert topic: FLOATCTL_ALERT_TOPIC_ARN, else alert_topic_name.
    """
    if arn is None and name is None:
        arn, name = settings.alert_topic_arn, settings.alert_topic_name
    if arn:
        return arn
    try:
        account = sts.get_caller_identity()["Account"]
    except Exception as exc:
        if found := credential_error(exc):
            raise found from None
        raise DependencyError(
            f"cannot tell the account of the alert topic (sts:GetCallerIdentity): {_code(exc)}"
        ) from None
    return f"arn:aws:sns:{settings.region}:{account}:{name}"


class AlertTopic:
    """Publish an alert to the on-call SNS topic."""

    def __init__(self, sns: Any, topic_arn: str | None) -> None:
        self.sns = sns
        self.topic_arn = topic_arn

    def publish(self, subject: str, message: str) -> str:
        """The SNS message id of the published alert."""
        if not self.topic_arn:
            raise ConfigError(
                "no topic to publish to: set FLOATCTL_ALERT_TOPIC_ARN / FLOATCTL_FINANCE_TOPIC_ARN"
                " (terraform sets them for the task)"
            )
        try:
            return self.sns.publish(TopicArn=self.topic_arn, Subject=alert_subject(subject), Message=message)[
                "MessageId"
            ]
        except Exception as exc:
            if found := credential_error(exc):
                raise found from None
            raise DependencyError(f"publishing to {self.topic_arn} failed: {_code(exc)}") from None


@dataclass(frozen=True)
class PageRecord:
    """The page a night already got: when, about what, and the SNS message id."""

    run_date: date
    paged_at: str
    state: str
    message_id: str = ""


class PageLedger:
    """One page per night, in collection-history (`watch#<run date>` / `page`), claimed before publishing."""

    def __init__(self, ddb: Any, table: str) -> None:
        self.ddb = ddb
        self.table = table

    def claim(self, run_date: date, state: str) -> PageRecord | None:
        """Write the night's page record if it has none; None when a page was already claimed.

        AWS (PutItem): "To prevent a new item from replacing an existing item, use a conditional expression
        that contains the attribute_not_exists function with the name of the attribute being used as the
        partition key for the table."
        (https://docs.aws.amazon.com/sdkfornet/latest/apidocs/items/TDynamoDBv2PutItemRequestNET45.html)
        So two watches racing on the same night: exactly one claim succeeds.
        """
        record = PageRecord(run_date, iso(utc_now()), state)
        item = {"pk": watch_page_pk(run_date), "sk": PAGE_SK, "kind": "watch_page", **_values(record)}
        try:
            dynamo.call(
                f"recording the page of {run_date}",
                self.ddb.put_item,
                TableName=self.table,
                Item=dynamo.to_item(item),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except dynamo.ConditionFailed:
            # Claimed already, or our own claim landed and only its reply was lost (docs/decisions/
            # lost-replies.md): the claim's time tells ours from another watch's.
            held = self.get(run_date)
            return record if held is not None and held.paged_at == record.paged_at else None
        return record

    def confirm(self, record: PageRecord, message_id: str) -> None:
        """Note the SNS message id on the claimed record."""
        dynamo.call(
            f"noting the page of {record.run_date}",
            self.ddb.update_item,
            TableName=self.table,
            Key=dynamo.to_item({"pk": watch_page_pk(record.run_date), "sk": PAGE_SK}),
            UpdateExpression="SET message_id = :m",
            ExpressionAttributeValues={":m": {"S": message_id}},
        )

    def release(self, record: PageRecord) -> None:
        """Drop a claim whose publish failed, so the next watch of the night pages instead."""
        dynamo.call(
            f"dropping the page claim of {record.run_date}",
            self.ddb.delete_item,
            TableName=self.table,
            Key=dynamo.to_item({"pk": watch_page_pk(record.run_date), "sk": PAGE_SK}),
        )

    def get(self, run_date: date) -> PageRecord | None:
        item = dynamo.call(
            f"reading the page of {run_date}",
            self.ddb.get_item,
            TableName=self.table,
            Key=dynamo.to_item({"pk": watch_page_pk(run_date), "sk": PAGE_SK}),
            ConsistentRead=True,
        ).get("Item")
        if item is None:
            return None
        values = dynamo.from_item(item)
        return PageRecord(run_date, values["paged_at"], values["state"], values.get("message_id", ""))


def _values(record: PageRecord) -> dict[str, Any]:
    return {
        "run_date": record.run_date.isoformat(),
        "paged_at": record.paged_at,
        "state": record.state,
    }
