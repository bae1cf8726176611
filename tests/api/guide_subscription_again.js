// i'mport's subscription guide, STEP 2 "결제 요청하기" (docs.iamport.kr/implementation/subscription):
// the shop server issues a token, charges the billing key with /subscribe/payments/again and
// branches as the guide does — `code === 0` means the card company was reached, then
// `response.status` is "paid" or "failed"; any other code means the request never reached it.
//
// The handler body below is the guide's sample as shops run it (the sample's comments kept, word for
// word, e.g. in the `code` corpus copies of it); only the Express `res.send(...)` calls are replaced
// by `branch(...)`, which reports the branch taken to the test. The test rewrites
// https://api.iamport.kr to paymux's address and fills the `imp_key`/`imp_secret` placeholders —
// nothing else changes. `axios` is the small fetch-based stand-in at the bottom (axios's contract
// for these calls: resolve with `{status, data}` for a 2xx reply, reject otherwise).

const [customer_uid, merchant_uid, amount] = process.argv.slice(2);

function branch(taken, paymentResult) {
  const body = paymentResult && paymentResult.data;
  const response = body && body.response;
  console.log(JSON.stringify({
    branch: taken,
    code: body ? body.code : null,
    message: body ? body.message : null,
    status: response ? response.status : null,
    fail_reason: response ? response.fail_reason : null,
    imp_uid: response ? response.imp_uid : null,
  }));
}

async function requestBilling() {
  try {
    // 인증 토큰 발급 받기
    const getToken = await axios({
      url: "https://api.iamport.kr/users/getToken",
      method: "post", // POST method
      headers: { "Content-Type": "application/json" }, // "Content-Type": "application/json"
      data: {
        imp_key: "imp_apikey", // REST API키
        imp_secret: "imp_secret", // REST API Secret
      },
    });
    const { access_token } = getToken.data.response; // 인증 토큰

    // 결제(재결제) 요청
    const paymentResult = await axios({
      url: `https://api.iamport.kr/subscribe/payments/again`,
      method: "post",
      headers: { Authorization: access_token }, // 인증 토큰을 Authorization header에 추가
      data: {
        customer_uid,
        merchant_uid, // 새로 생성한 결제(재결제)용 주문 번호
        amount: Number(amount),
        name: "월간 이용권 정기결제",
      },
    });
    const { code, message, response } = paymentResult.data;

    if (code === 0) { // 카드사 통신에 성공(실제 승인 성공 여부는 추가 판단이 필요함)
      if ( response.status === "paid" ) { //카드 정상 승인
        branch("paid", paymentResult);
      } else { //카드 승인 실패 (예: 고객 카드 한도초과, 거래정지카드, 잔액부족 등)
        //paymentResult.status : failed 로 수신됨
        branch("failed", paymentResult);
      }
    } else { // 카드사 요청에 실패 (paymentResult is null)
      branch("request failed", paymentResult);
    }
  } catch (err) {
    console.log(JSON.stringify({ branch: "error", error: String(err && err.message) }));
  }
}

// --- test scaffolding: the axios calls above, on Node's fetch -----------------------------------
async function axios({ url, method, headers, data }) {
  const reply = await fetch(url, {
    method: method.toUpperCase(),
    headers: { "Content-Type": "application/json", ...headers },
    body: data === undefined ? undefined : JSON.stringify(data),
  });
  const parsed = await reply.json();
  if (reply.status < 200 || reply.status >= 300) {
    throw new Error(`Request failed with status code ${reply.status}`);
  }
  return { status: reply.status, data: parsed };
}

requestBilling();
