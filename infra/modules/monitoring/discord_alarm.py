"""Alarm -> Discord: posts every message of the environment's alerts topic to Discord.

Subscribed to the topic. The webhook URL is read at run time from the SSM SecureString
parameter named by WEBHOOK_PARAMETER (never from Terraform, never logged). Standard library
only, plus boto3, which the Lambda Python runtime provides; it honours AWS_ENDPOINT_URL, so the
tests read the parameter from a local emulator.
"""

import json
import os
import urllib.error
import urllib.parse
import urllib.request

DISCORD_LIMIT = 2000


class AlertError(Exception):
    """A message that could not be delivered, with what to do about it."""


def webhook_url():
    """The webhook URL from the SSM parameter, decrypted."""
    import boto3  # provided by the Lambda runtime

    name = os.environ["WEBHOOK_PARAMETER"]
    ssm = boto3.client("ssm")
    try:
        return ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        raise AlertError(
            f"the Discord webhook parameter `{name}` does not exist: set it with "
            f"`cargo xtask secrets set discord-webhook {os.environ['ENVIRONMENT']}`"
        ) from None


def console_link(region, alarm_name):
    quoted = urllib.parse.quote(alarm_name, safe="")
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home"
        f"?region={region}#alarmsV2:alarm/{quoted}"
    )


def message(record, environment, region):
    """The Discord message for one SNS record: an alarm change, or any other notification."""
    sns = record["Sns"]
    try:
        alarm = json.loads(sns.get("Message") or "")
    except ValueError:
        alarm = None
    if isinstance(alarm, dict) and "AlarmName" in alarm:
        name = alarm["AlarmName"]
        arn = alarm.get("AlarmArn", "").split(":")
        region = arn[3] if len(arn) > 3 and arn[3] else region
        lines = [
            f"**[{environment}] {name}** is `{alarm.get('NewStateValue', '?')}`"
            f" (was `{alarm.get('OldStateValue', '?')}`)",
            alarm.get("NewStateReason", ""),
            console_link(region, name),
        ]
    else:
        lines = [
            f"**[{environment}] {sns.get('Subject') or 'notification'}**",
            sns.get("Message", ""),
        ]
    content = "\n".join(line for line in lines if line)
    return {"content": content[:DISCORD_LIMIT], "allowed_mentions": {"parse": []}}


def post(url, payload):
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "mht-alarm-discord"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        body = e.read()[:300].decode(errors="replace")
        raise AlertError(f"Discord refused the message: HTTP {e.code}: {body}") from None
    except urllib.error.URLError as e:
        raise AlertError(f"Discord is unreachable: {e.reason}") from None


def handler(event, context):
    environment = os.environ["ENVIRONMENT"]
    region = os.environ.get("AWS_REGION", "us-east-1")
    records = event.get("Records", [])
    url = webhook_url()
    for record in records:
        post(url, message(record, environment, region))
    print(json.dumps({"posted": len(records)}))
    return {"posted": len(records)}
