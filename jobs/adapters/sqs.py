"""The schedule's dead-letter queue (SQS), read without consuming it: what `status` and `recover` say
about a fire that could not start the task.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jobs.adapters.aws_errors import translated
from jobs.domain.schedule import FireFailure
from jobs.errors import DependencyError

#: ReceiveMessage returns at most 10 messages per call; the DLQ of a nightly schedule holds a handful.
MAX_CALLS = 10


def queue_url_from_arn(arn: str) -> tuple[str, str]:
    """(account id, queue name) of an SQS queue ARN `arn:aws:sqs:<region>:<account>:<name>`."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        raise DependencyError(f"the schedule's dead-letter target {arn!r} is not an SQS queue ARN")
    return parts[4], parts[5]


class Queue:
    """One SQS queue, by name (and its owner's account), read without consuming it."""

    def __init__(self, sqs: Any, name: str, account: str | None = None, what: str | None = None) -> None:
        self.sqs = sqs
        self.name = name
        self.account = account
        self.what = what or f"queue {name}"  # for the one-line error

    def url(self) -> str:
        owner = {"QueueOwnerAWSAccountId": self.account} if self.account else {}
        with translated(f"cannot read {self.what}"):
            return self.sqs.get_queue_url(QueueName=self.name, **owner)["QueueUrl"]

    def peek(self) -> list[dict[str, Any]]:
        """Every message in the queue (SQS's message dicts), left in it for the next reader."""
        url = self.url()
        with translated(f"cannot read {self.what}"):
            return peek_messages(self.sqs, url)

    def depth(self) -> int:
        """How many messages wait in the queue, visible or in flight.

        https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html:
        ApproximateNumberOfMessages "Returns the approximate number of messages available for retrieval
        from the queue"; ApproximateNumberOfMessagesNotVisible counts those "in flight".
        """
        url = self.url()
        with translated(f"cannot count the messages of {self.what}"):
            counts = self.sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
        return sum(int(v) for v in counts.values())


class DeadLetterQueue:
    """Peek at the dead-letter events EventBridge Scheduler delivered (never deletes, never hides them)."""

    def __init__(self, sqs: Any, arn: str) -> None:
        self.sqs = sqs
        self.arn = arn

    def queue(self) -> Queue:
        account, name = queue_url_from_arn(self.arn)
        return Queue(self.sqs, name, account, what=f"the schedule's dead-letter queue {name}")

    def peek(self) -> list[FireFailure]:
        """Every dead-letter event in the queue, oldest first, left in the queue for the next reader."""
        messages = self.queue().peek()
        return sorted((dead_letter_event(m) for m in messages), key=lambda f: f.sent_at)


def peek_messages(sqs: Any, url: str) -> list[dict[str, Any]]:
    """The queue's messages, read without consuming them (ids de-duplicated).

    AWS: "VisibilityTimeout: The duration (in seconds) that the received messages are hidden from
    subsequent retrieve requests after being retrieved by a ReceiveMessage request."
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html)
    With 0 they are not hidden at all, and without DeleteMessage they stay in the queue: reading does
    not consume the evidence. A receive may return the same message again, so ids are de-duplicated;
    SQS samples servers on a short poll, so a large queue may need several calls (at most MAX_CALLS).
    """
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(MAX_CALLS):
        messages = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            WaitTimeSeconds=0,
            AttributeNames=["SentTimestamp"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        new = [m for m in messages if m["MessageId"] not in seen]
        if not new:
            break
        seen.update((m["MessageId"], m) for m in new)
    return list(seen.values())


def dead_letter_event(message: dict[str, Any]) -> FireFailure:
    """One SQS message of the DLQ as a FireFailure.

    AWS: "When a schedule fails to invoke its target, EventBridge Scheduler delivers a JSON payload
    containing invocation details and any response recieved from the target to an Amazon SQS standard
    queue that you specify." (https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html)
    The guide's dead-letter event carries the error as the message attributes ERROR_CODE and
    ERROR_MESSAGE; a message without them is still reported, with its body as the message.
    """
    attributes = message.get("MessageAttributes") or {}

    def text(name: str) -> str | None:
        value = attributes.get(name) or {}
        return value.get("StringValue")

    sent_ms = int((message.get("Attributes") or {}).get("SentTimestamp", "0"))
    return FireFailure(
        sent_at=datetime.fromtimestamp(sent_ms / 1000, UTC),
        error_code=text("ERROR_CODE") or "UNKNOWN",
        error_message=text("ERROR_MESSAGE") or (message.get("Body") or "")[:300],
        message_id=message.get("MessageId", ""),
    )
