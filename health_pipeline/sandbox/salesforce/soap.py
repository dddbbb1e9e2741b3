"""The SOAP partner `login` call: reading the request and writing the reply or the LoginFault."""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from xml.sax.saxutils import escape

PARTNER_NS = "urn:partner.soap.sforce.com"
ORG_ID = "00DHp000000SandB"
USER_ID = "005Hp000000SandB"


def read_login(body: bytes) -> tuple[str, str] | None:
    """The (username, password+token) of a partner `login` request, or None when it is not one."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    username = root.find(f".//{{{PARTNER_NS}}}login/{{{PARTNER_NS}}}username")
    password = root.find(f".//{{{PARTNER_NS}}}login/{{{PARTNER_NS}}}password")
    if username is None or password is None:
        return None
    return username.text or "", password.text or ""


def login_response(session_id: str, base_url: str, version: str, username: str, user_id: str = USER_ID) -> str:
    """The 200 reply: unprefixed elements in the partner namespace, as simple_salesforce parses them."""
    server = f"{base_url}/services/Soap/u/{version}/{ORG_ID}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns="{PARTNER_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{escape(base_url)}/services/Soap/m/{version}/{ORG_ID}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
        f"<serverUrl>{escape(server)}</serverUrl><sessionId>{escape(session_id)}</sessionId>"
        f"<userId>{user_id}</userId><userInfo><organizationId>{ORG_ID}</organizationId>"
        f"<organizationName>Sandbox</organizationName><userId>{user_id}</userId>"
        f"<userName>{escape(username)}</userName></userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )


def login_fault(code: str = "INVALID_LOGIN",
                message: str = "Invalid username, password, security token; or user locked out.") -> str:
    """The HTTP 500 body of a failed login: a SOAP fault carrying a LoginFault."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode>"
        f"<faultstring>{code}: {escape(message)}</faultstring><detail>"
        '<sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode><sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
