package demo

// Story is one sample article of the demo publication.
type Story struct {
	Slug        string // lowercase, hyphenated, unique, e.g. "monsoon-lifts-rural-demand"
	Headline    string
	Summary     string // one-sentence standfirst
	Section     string // one of the section slugs below
	Author      string
	Premium     bool
	EditorsPick bool
	DaysAgo     int      // 0..4: published that many days before the demo starts
	Hour        int      // 6..22, hour of day (publication time zone) of publishing
	Paragraphs  []string // 5 to 8 paragraphs, each 2-4 sentences
	Wire        string   // "" for original stories; wire agency name for syndicated ones
}

// Sections lists the demo sections in display order: slug and name, and
// whether the section is in the market-insights vertical (The Smart
// Investor, read in full with the "Market Analysis & Investment Insights"
// benefit).
var Sections = []struct {
	Slug, Name string
	Vertical   bool
}{
	{"markets", "Markets", false},
	{"economy", "Economy", false},
	{"companies", "Companies", false},
	{"tech", "Technology", false},
	{"politics", "Politics", false},
	{"opinion", "Opinion", false},
	{"smart-investor", "The Smart Investor", true},
}

// Stories returns the demo stories.
//
// All companies, people, places abroad and events are fictional; the
// content exists only to populate the demo publication "The Broadsheet Daily".
func Stories() []Story {
	return []Story{
		// ---- Day 0 ----
		{
			Slug:        "benchmark-index-closes-at-record-high",
			Headline:    "Benchmark index closes at a record as banks and carmakers lead the charge",
			Summary:     "Foreign buying returned after a three-week lull, pushing the headline index past a level many brokers had pencilled in for next year.",
			Section:     "markets",
			Author:      "Meera Iyer",
			EditorsPick: true,
			DaysAgo:     0,
			Hour:        16,
			Paragraphs: []string{
				"The Bombay Composite 50 ended Thursday's session 1.4 per cent higher at a lifetime peak, with lenders and automobile makers accounting for nearly two-thirds of the gain. Trading volumes on the cash segment were the heaviest in six weeks, according to exchange data reviewed by The Broadsheet Daily.",
				"Overseas portfolio investors bought shares worth a net Rs 4,830 crore, provisional figures showed, reversing a selling streak that had stretched over fifteen sessions. Dealers in Mumbai said several large funds had been waiting for clarity on the central bank's liquidity stance before returning.",
				"Suvarna Bank and Deccan Mercantile Bank were among the top performers, each rising more than three per cent after brokerages raised their loan-growth estimates for the second half of the fiscal year. Carmaker Prithvi Motors climbed to a fresh high on strong festive-season bookings.",
				"Not every corner of the market joined the rally. Information technology stocks slipped for a third straight day on worries about discretionary spending by clients in North America, and the midcap gauge lagged the headline index by a wide margin.",
				"\"The breadth is narrower than the headline suggests,\" said Harish Menon, head of equity strategy at Coromandel Securities. He added that investors should expect sharp swings in the run-up to quarterly earnings, which begin in earnest next week.",
			},
		},
		{
			Slug:     "central-bank-holds-rates-signals-patience",
			Headline: "Central bank holds rates steady, signals patience on inflation",
			Summary:  "The monetary policy committee kept the key lending rate unchanged for a fifth straight meeting but softened its language on future moves.",
			Section:  "economy",
			Author:   "Arjun Malhotra",
			DaysAgo:  0,
			Hour:     11,
			Paragraphs: []string{
				"The central bank's rate-setting panel voted five to one to leave its benchmark repo rate unchanged, in line with the expectations of most economists polled ahead of the decision. The lone dissenting member argued for a quarter-point cut, citing slowing urban consumption.",
				"In its statement, the committee said headline inflation had eased faster than projected over the summer, helped by a fall in vegetable prices and stable fuel costs. It nonetheless warned that food inflation remained vulnerable to erratic rainfall and to shocks in global edible oil markets.",
				"The bank trimmed its inflation forecast for the current fiscal year by 20 basis points and left its growth estimate unchanged. Officials said the economy was on track to expand at a healthy pace, supported by public investment and a gradual recovery in private capital spending.",
				"Bond yields fell modestly after the announcement, with the ten-year government security ending five basis points lower. Currency traders said the rupee was largely unmoved because the outcome had been widely priced in.",
				"Economists read the change in tone as an opening for a rate cut early next year. \"The door is now ajar rather than shut,\" said Lata Krishnan, chief economist at Nilgiri Capital, who expects a cumulative reduction of half a percentage point over the next two policy reviews.",
			},
		},
		{
			Slug:        "inside-kaveri-steel-succession-battle",
			Headline:    "Inside the quiet succession battle at Kaveri Steel",
			Summary:     "As its 78-year-old founder prepares to step back, two branches of the family are jostling for control of one of southern India's largest steelmakers.",
			Section:     "companies",
			Author:      "Farah Siddiqui",
			Premium:     true,
			EditorsPick: true,
			DaysAgo:     0,
			Hour:        8,
			Paragraphs: []string{
				"For four decades, Kaveri Steel has been run from a modest third-floor office in Salem by its founder, Ramanathan Iyengar, who still signs off on every capital expenditure above Rs 50 crore. People familiar with the company's board discussions say that era is drawing to a close, and the question of who comes next has split the family.",
				"On one side is Iyengar's elder son, Srinivas, who has run the company's flagship rolling mill since 2009 and is seen as the candidate of continuity. On the other is his niece, Divya Raghavan, a former investment banker who returned three years ago to lead the group's fast-growing speciality alloys unit.",
				"Three directors told The Broadsheet Daily that a proposal to appoint a non-family chief executive was discussed at a board meeting last month but did not come to a vote. \"Everyone agrees on professionalising the company; nobody agrees on what that means,\" one of them said, asking not to be named because the deliberations are private.",
				"The stakes are considerable. Kaveri Steel reported revenue of Rs 18,400 crore last year and is in the middle of a Rs 6,000 crore expansion at its coastal plant near Tuticorin. Lenders to the project have asked for clarity on the management structure before the second tranche of funding is released, according to a banker involved in the talks.",
				"Minority shareholders are watching closely. Institutional investors hold about 22 per cent of the company, and two large mutual funds have written to the board seeking a documented succession plan. A proxy advisory firm has flagged the absence of such a plan as a governance risk in its latest report on the company.",
				"Ramanathan Iyengar declined to be interviewed for this article. In a brief written response, the company said its board was \"fully engaged in long-term leadership planning\" and would announce any changes through the stock exchanges in due course.",
			},
		},
		{
			Slug:     "bengaluru-payments-startup-raises-funding",
			Headline: "Bengaluru payments start-up Tallyrise raises Rs 640 crore to expand into small-town lending",
			Summary:  "The four-year-old company will use the money to offer working-capital loans to the shopkeepers who already use its payment terminals.",
			Section:  "tech",
			Author:   "Vikram Nair",
			DaysAgo:  0,
			Hour:     13,
			Paragraphs: []string{
				"Tallyrise, a Bengaluru-based maker of low-cost payment terminals for neighbourhood shops, has raised Rs 640 crore in a funding round led by a Singapore-based growth investor. The round values the company at roughly Rs 5,200 crore, nearly double its valuation eighteen months ago.",
				"The company says about 1.1 million merchants, most of them in towns with fewer than five lakh residents, use its devices to accept card and phone-based payments. Co-founder Aditi Kulkarni said the transaction data gives Tallyrise an unusually clear picture of each shop's cash flow.",
				"\"A kirana store owner in Hubballi has never been short of customers; he has been short of credit,\" Kulkarni said in an interview. Tallyrise plans to offer short-term loans of between Rs 50,000 and Rs 5 lakh through partnerships with two non-bank lenders.",
				"The move puts the start-up in direct competition with larger fintech firms that have been pushing into merchant lending. Analysts caution that the segment has seen rising defaults over the past year and that the markets regulator and the central bank have both tightened rules on digital lending partnerships.",
				"Tallyrise said it was profitable at the operating level in the last two quarters and expects to add 300 employees, mainly in risk management and regional sales, by the end of the fiscal year. The company has not yet said whether it plans to seek a stock market listing.",
			},
		},
		{
			Slug:     "marenland-tarsovia-ministers-meet-at-coastal-summit",
			Headline: "Marenland and Tarsovia ministers agree to restart fisheries talks at coastal summit",
			Summary:  "The two neighbours' foreign ministers met for the first time in three years on the sidelines of the Coastal Nations Summit in Port Alesso.",
			Section:  "politics",
			Author:   "Global Wire Service correspondent",
			DaysAgo:  0,
			Hour:     19,
			Wire:     "Global Wire Service",
			Paragraphs: []string{
				"The foreign ministers of Marenland and Tarsovia held a 90-minute meeting on Thursday on the sidelines of the Coastal Nations Summit in Port Alesso, their first face-to-face encounter since a dispute over fishing rights froze relations three years ago. The talks were held in a closed room at the summit venue, and no bilateral statement was issued afterwards.",
				"Marenland's foreign minister, Ilse Varenko, told reporters afterwards that both sides had agreed to reconvene a joint commission on fisheries before the end of the year. \"We did not solve everything in one afternoon, but we agreed that silence was no longer serving either of our peoples,\" she said.",
				"Tarsovia's foreign minister, Daud Khaledi, described the discussions as frank and constructive. He said his government would propose a temporary arrangement allowing small-scale fishing boats from both countries to operate in a contested stretch of water while a permanent boundary is negotiated.",
				"The dispute centres on a shallow bank roughly 40 nautical miles off the coast that is rich in tuna and sardine stocks. Coastguard vessels from the two countries have had several tense encounters there, and fishing communities on both sides have complained of lost income.",
				"Diplomats attending the summit said the host government had quietly encouraged the meeting. The summit, which brings together eleven coastal states, is expected to end on Friday with a joint statement on maritime safety and the protection of marine ecosystems.",
			},
		},

		// ---- Day 1 ----
		{
			Slug:     "what-bond-traders-see-in-the-yield-curve",
			Headline: "What bond traders are reading in a flattening yield curve",
			Summary:  "The gap between short- and long-term government borrowing costs has narrowed to its slimmest in two years, and the desks are split on what it means.",
			Section:  "markets",
			Author:   "Kabir Sethi",
			Premium:  true,
			DaysAgo:  1,
			Hour:     7,
			Paragraphs: []string{
				"The spread between the one-year treasury bill and the ten-year government bond has shrunk to about 25 basis points, down from nearly 70 basis points at the start of the year. On the trading floors of Mumbai's primary dealers, the flattening has become the most debated chart of the season.",
				"One camp argues the curve is simply pricing in rate cuts. If the central bank eases policy early next year, the argument runs, long-dated yields should fall first, and investors are locking in today's returns before that happens. Pension funds and insurers, which need long-duration assets, have been steady buyers.",
				"The other camp sees a more cautious signal. Sameer Qureshi, who runs the fixed-income desk at Vindhya Asset Managers, said demand for long bonds partly reflects doubts about how durable the current growth rate is. \"When the smart money buys duration this aggressively, it is usually hedging against a slowdown,\" he said.",
				"Supply is the wild card. The government's borrowing calendar for the second half is weighted towards longer maturities, and several state governments are expected to tap the market heavily before the fiscal year closes. Traders say a surge in state development loans could steepen the curve again within weeks.",
				"For retail investors in debt mutual funds, the practical lesson is about timing. Fund managers said gilt funds with longer maturities have delivered returns well above those of short-term funds this year, but warned that those gains can reverse quickly if inflation surprises on the upside.",
				"The next test comes with the weekly government bond auction on Friday, when Rs 32,000 crore of securities will be offered. A weak bid at the long end, dealers said, would be the first sign that the flattening trade has run its course.",
			},
		},
		{
			Slug:     "skylark-air-adds-regional-routes",
			Headline: "Skylark Air to add 14 regional routes as it bets on tier-two travel",
			Summary:  "The budget carrier will connect smaller cities such as Jabalpur, Belagavi and Jorhat directly, bypassing crowded metro hubs.",
			Section:  "companies",
			Author:   "Sunita Rao",
			DaysAgo:  1,
			Hour:     10,
			Paragraphs: []string{
				"Skylark Air, the country's fourth-largest airline by domestic passenger share, will launch 14 new routes linking smaller cities over the next three months. The expansion is built around 12 turboprop aircraft the carrier has leased from a European lessor.",
				"Chief executive Rohit Bhandari said about a third of the airline's passengers already begin or end their journeys outside the six largest metropolitan areas. \"Travellers from Belagavi should not have to change planes in Bengaluru to reach Hyderabad,\" he said at a press briefing in Gurugram.",
				"The new routes include direct flights between Jabalpur and Pune, Jorhat and Kolkata, and Belagavi and Hyderabad. Introductory fares start at Rs 2,499 one way, and the airline said it would add frequencies on routes where seat occupancy crossed 80 per cent.",
				"Aviation consultants noted that regional flying has historically struggled with thin margins and high per-seat costs. Skylark is counting on a government route-subsidy scheme and lower landing charges at smaller airports to make the economics work.",
				"Shares of Skylark's parent company rose 2.1 per cent on the news. The airline reported a narrower loss in the last quarter, helped by lower jet fuel prices and a recovery in business travel.",
			},
		},
		{
			Slug:     "the-monsoon-is-not-a-budget-strategy",
			Headline: "The monsoon is not a budget strategy",
			Summary:  "A good rainy season has flattered the farm numbers this year; the states that plan as if every year will be like this are storing up trouble.",
			Section:  "opinion",
			Author:   "Prakash Venkataraman",
			DaysAgo:  1,
			Hour:     18,
			Paragraphs: []string{
				"Every few years, a generous monsoon arrives and the finance departments of our states exhale together. Farm incomes rise, rural spending picks up, tax collections look healthier, and the difficult questions about irrigation and crop diversification quietly slip down the agenda.",
				"This year is one of those years. Rainfall was about eight per cent above the long-period average, reservoirs are fuller than they have been in half a decade, and tractor sales are brisk. It would be churlish not to celebrate, but it would be foolish to plan around it.",
				"The record of the last two decades shows that a strong season is followed by a weak one more often than not. States that committed to new subsidy schemes on the back of a good harvest have repeatedly found themselves borrowing at short notice when the rains failed the following year.",
				"What would prudence look like? It would mean directing part of this year's windfall into a stabilisation fund, finishing the half-built canal projects that have languished for years, and paying farmers to shift some acreage away from water-hungry crops in regions where the groundwater table is falling.",
				"None of this is glamorous, and none of it wins elections by itself. But the real test of fiscal management is not how a government spends in a good year. It is whether it has left itself room to act when the sky turns stingy again.",
			},
		},
		{
			Slug:     "state-cabinet-clears-deep-water-port",
			Headline: "State cabinet clears Rs 9,200 crore deep-water port after two years of delay",
			Summary:  "The approval ends a long wrangle over land acquisition and environmental clearances for the project on the southern coast.",
			Section:  "politics",
			Author:   "Anjali Deshpande",
			DaysAgo:  1,
			Hour:     14,
			Paragraphs: []string{
				"The state cabinet on Wednesday approved the construction of a deep-water port near the fishing town of Kadalur, clearing the way for one of the largest infrastructure projects in the region. The port will be developed under a public-private partnership with a 35-year concession period.",
				"The project had been stuck for two years amid protests by fishing communities who feared the loss of traditional landing sites. The state's ports minister told reporters that the revised plan sets aside a separate fishing harbour and includes a compensation package worth Rs 780 crore for affected families.",
				"Opposition legislators criticised the decision, saying the cabinet had not placed the final environmental assessment before the assembly. A spokesperson for the main opposition party said it would raise the matter in the winter session and demand a house committee review.",
				"Industry groups welcomed the approval. The regional chamber of commerce said the port could cut logistics costs for exporters in the hinterland by as much as 15 per cent, since most cargo from the region currently travels more than 400 kilometres by road to the nearest major port.",
				"Bidding for the concession is expected to open early next year. Officials said three domestic infrastructure groups and one overseas port operator had already expressed interest.",
			},
		},
		{
			Slug:     "pune-chip-packaging-plant-begins-trial-runs",
			Headline: "Pune chip-packaging plant begins trial production",
			Summary:  "Semivault Technologies says its first commercial shipments of packaged chips for automotive clients will leave the factory by March.",
			Section:  "tech",
			Author:   "Vikram Nair",
			DaysAgo:  1,
			Hour:     21,
			Paragraphs: []string{
				"Semivault Technologies has begun trial production at its semiconductor assembly and testing facility on the outskirts of Pune, the company said on Wednesday evening. The Rs 3,100 crore plant is designed to package and test chips made elsewhere, rather than fabricate the silicon itself.",
				"The first lines will handle power-management and microcontroller chips used in cars and two-wheelers. Managing director Neha Joglekar said two domestic automotive component makers had signed supply agreements and that a third was evaluating samples.",
				"Assembly and testing is the most labour-intensive stage of chip production, and the plant is expected to employ about 1,800 people at full capacity. Semivault has partnered with three engineering colleges in Maharashtra to run a year-long diploma programme for technicians.",
				"The facility received capital support under a central scheme that reimburses part of the project cost for electronics manufacturing. Industry executives say packaging plants are a realistic first step for the country's chip ambitions because they need less capital and a shorter learning curve than full-scale fabrication.",
				"Joglekar said the company would decide on a second phase, which would double capacity, once utilisation of the first phase crosses 60 per cent. She declined to give a timeline but said land for the expansion had already been acquired.",
			},
		},

		// ---- Day 2 ----
		{
			Slug:        "gst-collections-what-the-numbers-hide",
			Headline:    "Record GST collections: what the headline numbers hide",
			Summary:     "Indirect tax receipts are at an all-time high, but a closer look at state-wise data and refunds tells a more uneven story.",
			Section:     "economy",
			Author:      "Arjun Malhotra",
			Premium:     true,
			EditorsPick: true,
			DaysAgo:     2,
			Hour:        9,
			Paragraphs: []string{
				"Gross goods and services tax collections touched Rs 1.96 lakh crore last month, the highest monthly figure since the tax was introduced. The finance ministry's release described the number as evidence of robust consumption and improving compliance, and both claims have some merit.",
				"But the gross figure includes tax on imports, which has risen sharply because of higher volumes of electronics and gold coming into the country. Stripping out imports, collections on domestic transactions grew about 7.5 per cent from a year ago, a respectable pace but well short of the double-digit growth that the headline implies.",
				"Refunds are the second complication. Net collections, after refunds to exporters and businesses with excess input credit, grew more slowly than gross receipts. Tax practitioners in Surat and Tiruppur say some refunds have been delayed by stricter verification, which temporarily flatters the net number.",
				"The state-wise data reveals the widest gaps. Industrialised states in the west and south posted growth above ten per cent, while several states in the east and north-east recorded low single-digit growth or small declines. Officials attribute part of the divergence to where companies register their head offices rather than where goods are actually consumed.",
				"For the states, the difference matters. Their share of the tax now depends entirely on their own collections, since the compensation arrangement that protected their revenues during the early years of the tax has ended. Finance secretaries from at least three states have asked for the council to revisit the formula for settling the integrated tax on inter-state sales.",
				"The GST council is scheduled to meet next month. Rate rationalisation, long promised and long postponed, is expected to be on the agenda again, along with a proposal to bring aviation turbine fuel under the tax. Whether either moves forward will say more about the system's health than any single month's record.",
			},
		},
		{
			Slug:     "ganga-organics-ipo-oversubscribed",
			Headline: "Ganga Organics IPO subscribed 48 times on final day",
			Summary:  "The packaged-foods maker's Rs 1,150 crore share sale drew heavy demand from institutional buyers and wealthy individuals.",
			Section:  "markets",
			Author:   "Meera Iyer",
			DaysAgo:  2,
			Hour:     15,
			Paragraphs: []string{
				"The initial public offering of Ganga Organics, a Lucknow-based maker of packaged pulses, flours and breakfast cereals, was subscribed 48 times by the close of bidding on Tuesday. The portion reserved for qualified institutional buyers drew bids 91 times the shares on offer.",
				"The company priced its shares in a band of Rs 312 to Rs 328 each. About Rs 400 crore of the proceeds will be raised through fresh shares to fund two new plants, while the rest is an offer for sale by a private equity investor that first backed the company in 2017.",
				"Retail investors applied for about 11 times their allotted portion, a strong figure but well below the frenzy seen in some consumer listings last year. Grey-market dealers in Ahmedabad indicated a listing premium of roughly 25 per cent, though such indications are unofficial and often volatile.",
				"Analysts were divided on valuation. At the upper end of the band the company is priced at about 58 times its trailing earnings, which some brokers said was justified by its 30 per cent annual revenue growth and others called stretched for a business with modest margins.",
				"Shares are expected to be credited to allottees on Friday, and trading is scheduled to begin next Monday on both major exchanges. Ganga Organics said it would use the listing to raise its profile with distributors in southern and western states.",
			},
		},
		{
			Slug:     "small-lenders-are-the-canary-in-credit",
			Headline: "Small lenders are the canary in the credit mine",
			Summary:  "Rising stress at microfinance institutions is an early warning for the broader banking system that regulators should not dismiss.",
			Section:  "opinion",
			Author:   "Nandini Bose",
			Premium:  true,
			DaysAgo:  2,
			Hour:     6,
			Paragraphs: []string{
				"Ask a bank chairman about asset quality today and you will hear a cheerful story. Bad loans are at multi-year lows, provisions are comfortable, and profits are setting records. Ask the head of a mid-sized microfinance institution in Bihar or Odisha, and the tone is very different.",
				"Collection efficiency at several small lenders has slipped below 95 per cent for the first time since the pandemic. Field officers report that many borrowers now hold loans from four or five lenders at once, often borrowing from one to repay another. This is the classic signature of over-indebtedness, and it has been building quietly for two years.",
				"The usual response is that microfinance is a small slice of the financial system and that its troubles are contained. That was also said in 2010, before a crisis in one southern state wiped out the portfolios of lenders that had been growing at breakneck speed. The borrowers who are stretched today also hold gold loans, consumer durable loans and small credit lines from fintech apps.",
				"Three steps would help. First, lenders should be required to check and report every borrower's total household debt against a clear cap, with penalties for breaches. Second, credit bureaus should be pushed to include small-ticket digital loans in their records far more quickly. Third, banks that fund microfinance institutions should stress-test those exposures as a distinct risk, not as a footnote.",
				"None of this requires a crackdown that would choke credit to the households who need it most. It requires noticing the warning while it is still a murmur. The people who pay the price when that warning is ignored are rarely the lenders.",
			},
		},
		{
			Slug:     "tiruppur-textile-exporters-see-order-rebound",
			Headline: "Tiruppur garment exporters report rebound in winter orders",
			Summary:  "European buyers are returning after a slow year, but exporters warn that rising cotton prices could erode their margins.",
			Section:  "companies",
			Author:   "Sunita Rao",
			DaysAgo:  2,
			Hour:     12,
			Paragraphs: []string{
				"Knitwear exporters in Tiruppur say order books for the coming winter season are 15 to 20 per cent fuller than a year ago, as European retailers restock after running down inventories. Several units that had cut shifts earlier in the year have begun hiring again.",
				"Meenakshi Apparels, one of the cluster's larger exporters, said it had booked orders worth Rs 210 crore for delivery between November and February. Its managing director, Karthik Subramaniam, said buyers were also shifting some sourcing away from other Asian suppliers because of shorter delivery times from south India.",
				"The recovery comes with a catch. Cotton yarn prices have risen about 12 per cent in two months, and exporters say they have little room to pass the increase on to buyers who negotiated prices in the spring. Smaller units without long-term yarn contracts are the most exposed.",
				"The regional exporters' association has asked the central government to extend an interest subsidy on pre-shipment credit and to speed up the refund of duties on inputs. Members say delays in those refunds tie up working capital that they need to buy raw material for the new orders.",
				"Despite the concerns, the mood in the cluster is noticeably brighter than it was in the summer. Labour contractors report that migrant workers who had returned to their home states are coming back to fill the new shifts.",
			},
		},
		{
			Slug:        "edtech-firm-learnloop-cuts-jobs",
			Headline:    "Edtech firm LearnLoop cuts 900 jobs as it pivots to offline centres",
			Summary:     "The once high-flying online tutoring company is closing its live-class division and will open 120 physical learning centres instead.",
			Section:     "tech",
			Author:      "Rohan Kapoor",
			EditorsPick: true,
			DaysAgo:     2,
			Hour:        17,
			Paragraphs: []string{
				"LearnLoop, a Noida-based education technology company that was among the most richly valued start-ups of the pandemic years, said on Tuesday it would lay off about 900 employees, roughly a quarter of its workforce. Most of the affected staff work in its live online class division, which is being shut down.",
				"In an email to employees seen by The Broadsheet Daily, founder Ishaan Mehra said parents had made it clear that they wanted their children to learn in physical classrooms, with digital tools as a supplement rather than a replacement. \"We were slow to accept what our own data was telling us,\" he wrote.",
				"The company plans to open 120 learning centres across 40 cities over the next 18 months, focusing on coaching for school board examinations. It will keep its recorded video library and homework app, which it says have about three million monthly active users.",
				"Departing employees will receive three months of salary and extended health cover, the company said. Former staff members posting on professional networking sites said the cuts were expected after two earlier rounds of layoffs, but that the scale had surprised many.",
				"LearnLoop's experience mirrors a wider shake-out in the sector. Investors who poured money into online learning during school closures have grown wary, and several rivals have either been sold, merged or shifted to a hybrid model that blends online and in-person teaching.",
			},
		},

		// ---- Day 3 ----
		{
			Slug:     "monsoon-lifts-rural-demand",
			Headline: "Strong monsoon lifts rural demand for tractors, two-wheelers and soap",
			Summary:  "Companies selling everyday goods in villages report the strongest sales growth in three years after above-normal rains.",
			Section:  "economy",
			Author:   "Arjun Malhotra",
			DaysAgo:  3,
			Hour:     8,
			Paragraphs: []string{
				"Rural consumption is picking up after a bountiful monsoon, according to sales data from tractor makers, two-wheeler manufacturers and consumer goods companies. Several firms reported that village markets grew faster than cities in the last quarter for the first time in nearly three years.",
				"Tractor dispatches rose 18 per cent in the latest month compared with a year earlier, industry figures showed. Dealers in Madhya Pradesh and Rajasthan said farmers were using higher kharif earnings to replace old machinery, and that financing enquiries had picked up sharply.",
				"Consumer goods makers are seeing a similar trend. Executives at Sunbeam Home Products, which sells soap, detergents and hair oil, said smaller pack sizes priced at Rs 5 and Rs 10 were moving faster in villages, a typical sign that households are spending more on everyday items.",
				"Economists caution that the recovery is uneven. Wage growth for rural labourers who do not own land remains subdued, and a sharp fall in vegetable prices has hurt some growers even as grain farmers have benefited.",
				"Still, the improvement is welcome news for policymakers who have been counting on rural demand to offset a slowdown in urban spending. A good rabi sowing season, helped by ample soil moisture, could extend the momentum into the next fiscal year.",
			},
		},
		{
			Slug:     "coalition-arithmetic-and-the-budget",
			Headline: "Coalition arithmetic will shape the next budget more than the economists",
			Summary:  "With two allies demanding special packages for their states, the finance ministry faces a tight balancing act between politics and the fiscal deficit.",
			Section:  "politics",
			Author:   "Anjali Deshpande",
			Premium:  true,
			DaysAgo:  3,
			Hour:     20,
			Paragraphs: []string{
				"The pre-budget consultations that began in New Delhi this week are, on paper, a technical exercise. Industry chambers present wish lists, economists argue over the deficit target, and ministry officials take notes. In practice, the most consequential conversations are happening elsewhere, between the ruling party and its coalition partners.",
				"Two regional allies, whose support is essential for the government's majority in the lower house, have publicly demanded special financial packages for their states. One wants central funding for an irrigation network and a new capital city; the other is seeking a larger share of centrally sponsored schemes and relief on its outstanding loans.",
				"Senior officials, speaking on condition of anonymity, said the finance ministry has prepared options that would channel additional funds through existing schemes rather than creating new, state-specific line items. That approach would limit the visible cost while giving allies something to show their voters.",
				"The fiscal maths is unforgiving. The government has committed to bringing the deficit down by about half a percentage point of GDP next year. Economists estimate that meeting both allies' demands in full could cost up to Rs 60,000 crore, enough to derail that target unless spending elsewhere is trimmed or tax revenues surprise on the upside.",
				"Opposition parties have already accused the government of favouring some states over others. Chief ministers from states not governed by the coalition have written to the finance minister asking for a transparent formula for any special assistance, and have threatened to raise the issue in the inter-state council.",
				"How the budget resolves these pressures will be read closely by bond investors and rating agencies alike. A credible deficit path with targeted concessions would be seen as a sign of political maturity; a loosened target would raise questions about how much room a coalition government really has to manage the public finances.",
			},
		},
		{
			Slug:     "rupee-slips-as-oil-prices-climb",
			Headline: "Rupee slips to three-month low as oil prices climb",
			Summary:  "Importers rushed to buy dollars after crude prices jumped, though dealers said central bank intervention limited the fall.",
			Section:  "markets",
			Author:   "Kabir Sethi",
			DaysAgo:  3,
			Hour:     11,
			Paragraphs: []string{
				"The rupee weakened by 28 paise against the US dollar in morning trade, touching its lowest level in three months as a rise in global crude prices stoked demand for dollars from oil-importing companies. The currency later recovered part of its losses.",
				"Dealers at two state-run banks said they had seen dollar sales that appeared to be on behalf of the central bank near the day's low. The central bank does not comment on its interventions, but it has repeatedly said it acts only to curb excessive volatility, not to defend any particular level.",
				"Brent crude rose nearly four per cent overnight after a major producers' group signalled that it would extend output cuts into next year. The country imports more than 85 per cent of its crude oil needs, so higher prices widen the trade deficit and put pressure on the currency.",
				"Foreign exchange reserves remain comfortable at close to $650 billion, enough to cover about eleven months of imports. Traders said that cushion makes a disorderly slide unlikely, though they expect the rupee to trade with a weaker bias until oil prices stabilise.",
				"Exporters, particularly in information technology and pharmaceuticals, have been using the rupee's weakness to sell forward dollars, a currency strategist at a foreign bank said, which could provide some support in the coming sessions. Most dealers expect the currency to remain within a narrow range until the next set of trade data is published.",
			},
		},
		{
			Slug:     "founders-need-boards-that-say-no",
			Headline: "Founders need boards that are willing to say no",
			Summary:  "A string of governance failures at celebrated start-ups shows what happens when investors treat board seats as a formality.",
			Section:  "opinion",
			Author:   "Prakash Venkataraman",
			DaysAgo:  3,
			Hour:     16,
			Paragraphs: []string{
				"In the last eighteen months, at least half a dozen well-funded start-ups have disclosed accounting lapses, unexplained related-party transactions or sudden departures of finance chiefs. The details differ, but the pattern is familiar: a charismatic founder, a board stacked with investors chasing the next round, and nobody in the room willing to ask an awkward question.",
				"Venture investors often argue that their job is to back founders, not second-guess them. That is a reasonable stance at the seed stage, when a company is little more than an idea and a handful of employees. It becomes indefensible when the company is handling customer money, employing thousands and preparing to sell shares to the public.",
				"A functioning board does not need to be hostile. It needs at least two independent directors with real expertise in finance and risk, an audit committee that meets the auditors without management present, and a clear rule that any transaction involving a founder's relatives is disclosed and approved in advance.",
				"Investors also need to be honest about their own incentives. A fund that marks up its valuation with every funding round has little reason to slow down a company that is growing fast, even when the growth is built on shaky foundations. Limited partners who put money into these funds should start asking how board seats are actually used.",
				"The markets regulator has tightened listing norms for new-age companies, but the real work has to happen years before a public offering. A board that learns to say no early is far cheaper than a forensic audit later.",
			},
		},
		{
			Slug:     "data-centres-and-the-power-problem",
			Headline: "Data centres are booming. Can the grid keep up?",
			Summary:  "Billions of rupees are flowing into server farms around Mumbai and Chennai, but power supply and water, not land, are becoming the binding constraints.",
			Section:  "tech",
			Author:   "Rohan Kapoor",
			Premium:  true,
			DaysAgo:  3,
			Hour:     13,
			Paragraphs: []string{
				"Drive along the highway east of Navi Mumbai and the new landmarks are not malls or apartment towers but windowless concrete halls ringed by cooling units. Installed data-centre capacity in the country has roughly doubled in three years, and developers have announced projects that would double it again by the end of the decade.",
				"The demand comes from cloud providers, banks required to store customer data locally, and a wave of companies training and running artificial intelligence models. A single large campus can draw as much electricity as a mid-sized town, and developers are increasingly finding that securing a reliable grid connection takes longer than building the halls themselves.",
				"Executives at three developers told The Broadsheet Daily that approvals for high-voltage connections near Mumbai now take 18 to 24 months. One firm, Ardent Compute, has begun building its own substation and is negotiating a direct supply contract with a solar and wind developer in Maharashtra's interior.",
				"Water is the second pressure point. Conventional cooling systems consume large quantities of water, and municipal authorities in Chennai have started asking developers to use treated sewage rather than fresh supplies. Some operators are switching to liquid cooling, which is more efficient but costs considerably more to install.",
				"State governments are competing hard for these projects, offering discounted land, stamp-duty waivers and reduced electricity tariffs. Energy analysts warn that some of these concessions could shift costs onto other consumers if utilities are forced to build new transmission lines without adequate recovery.",
				"The industry argues that data centres bring high-value investment and skilled jobs, and that they are among the largest buyers of renewable power. The challenge for policymakers, one state energy secretary said, is to plan the grid for this demand rather than discovering it one application at a time.",
			},
		},

		// ---- Day 4 ----
		{
			Slug:     "retail-inflation-eases-on-food-prices",
			Headline: "Retail inflation eases to 4.1% as vegetable prices cool",
			Summary:  "Consumer price inflation fell for a second straight month, moving closer to the central bank's medium-term target.",
			Section:  "economy",
			Author:   "Lata Raman",
			DaysAgo:  4,
			Hour:     10,
			Paragraphs: []string{
				"Retail inflation slowed to 4.1 per cent last month from 4.8 per cent the month before, official data released on Monday showed, as prices of tomatoes, onions and leafy vegetables fell with fresh arrivals in wholesale markets. The reading was below the 4.4 per cent median forecast in a poll of economists.",
				"Food inflation, which makes up nearly half of the consumer price basket, eased to 5.2 per cent. Cereal prices stayed firm, however, and pulses remained about nine per cent more expensive than a year ago, reflecting a smaller harvest of some varieties last season.",
				"Core inflation, which strips out food and fuel and is watched closely as a gauge of underlying price pressures, was steady at 3.3 per cent. Economists said this suggested that demand-driven inflation remains contained despite strong growth in services.",
				"The figures strengthen the case for the central bank to consider easing policy in the coming months, analysts said, though most expect it to wait for evidence that the decline in food prices is durable before acting. Markets will also look for clues in the minutes of the last policy meeting, due later this week.",
				"Separate data showed industrial output grew 5.6 per cent in the previous month, led by electricity generation and mining, while manufacturing growth was more modest. Consumer durables output contracted slightly, a sign that urban demand for goods such as refrigerators and televisions remains soft.",
			},
		},
		{
			Slug:     "sahyadri-dairy-cooperative-launches-premium-brand",
			Headline: "Sahyadri dairy cooperative takes on private brands with premium range",
			Summary:  "The farmer-owned cooperative is launching high-protein yoghurt and artisanal cheese aimed at urban shoppers in Mumbai and Pune.",
			Section:  "companies",
			Author:   "Farah Siddiqui",
			DaysAgo:  4,
			Hour:     14,
			Paragraphs: []string{
				"Sahyadri Milk Producers' Cooperative, which collects milk from about 2.4 lakh farmers across western Maharashtra, is launching a premium range of dairy products to compete with private brands that have grown rapidly in big-city supermarkets. It is the first time in its 46-year history that the cooperative has launched a brand aimed squarely at upmarket shoppers.",
				"The new line includes high-protein yoghurt, flavoured buttermilk and three varieties of cheese made at a refurbished plant near Satara. Prices will be roughly 10 per cent below comparable private-label products, the cooperative's managing director, Sudhir Patil, said at the launch in Pune.",
				"Patil said the cooperative's members stood to gain directly because value-added products earn margins several times higher than liquid milk. The cooperative plans to pass part of those gains back to farmers through a higher procurement price of about Rs 1.50 a litre.",
				"Marketing consultants said cooperatives have often struggled to build urban brands because of limited advertising budgets and cautious decision-making. Sahyadri has hired a Mumbai-based agency and will sell the new products through quick-commerce apps as well as neighbourhood stores.",
				"The cooperative reported a turnover of Rs 4,300 crore last year and aims to derive a fifth of its revenue from value-added products within four years. Patil said the target was ambitious but achievable if urban shoppers respond to the new range as early trials suggest.",
			},
		},
		{
			Slug:     "city-corporation-plans-green-municipal-bond",
			Headline: "City corporation plans Rs 500 crore green bond to fund sewage and bus projects",
			Summary:  "The civic body would be among a handful of Indian municipalities to tap the bond market directly for environmental projects.",
			Section:  "politics",
			Author:   "Anjali Deshpande",
			DaysAgo:  4,
			Hour:     9,
			Paragraphs: []string{
				"The municipal corporation of Nashik has approved a proposal to raise Rs 500 crore through green bonds, with the money earmarked for upgrading sewage treatment plants and buying electric buses. The standing committee cleared the plan on Friday after a two-hour debate.",
				"Municipal commissioner Pradnya Kulkarni said the corporation had obtained a provisional credit rating in the double-A category, which should allow it to borrow at rates close to those paid by large private companies. The bonds would have a tenure of ten years, with interest paid twice a year.",
				"Councillors from the opposition benches backed the sewage projects but questioned whether the corporation could meet bus operating costs without raising fares. The commissioner said a separate plan for advertising revenue and parking charges would be presented next month.",
				"Only a small number of civic bodies in the country have issued bonds, and fewer still have issued green bonds, which require independent certification that the money is spent on environmentally beneficial projects. The central government offers an incentive of Rs 13 crore for every Rs 100 crore raised, up to a limit.",
				"If the issue goes ahead as planned, it is expected to open for subscription before the end of the fiscal year. Merchant bankers said demand from insurers and provident funds for such paper has been healthy.",
			},
		},
		{
			Slug:        "editorial-disclosure-rules-need-teeth",
			Headline:    "Disclosure rules need teeth, not just more pages",
			Summary:     "The markets regulator's latest proposal on related-party deals is welcome, but longer filings alone will not protect minority shareholders.",
			Section:     "opinion",
			Author:      "The Editorial Board",
			EditorsPick: true,
			DaysAgo:     4,
			Hour:        18,
			Paragraphs: []string{
				"The markets regulator this week proposed that listed companies disclose far more detail about transactions with their promoters, subsidiaries and affiliated firms. The consultation paper runs to 64 pages and would require a new annexure in every quarterly filing. The intent is sound, but intent has never been the problem.",
				"Indian companies already disclose a great deal. Annual reports bulge with schedules and notes, many of them unread by anyone except auditors and a few diligent analysts. The scandals of recent years did not happen because the information was missing; they happened because it was buried, ignored or approved by directors who had little reason to object.",
				"What would make a difference is enforcement that is swift and visible. Penalties for misleading disclosures are too often settled years after the fact, for amounts that are trivial relative to the sums involved. Independent directors who sign off on questionable deals rarely face consequences beyond a quiet resignation.",
				"We would urge the regulator to pair its new rules with three commitments: a time-bound process for investigating complaints, meaningful personal liability for directors who approve deals without adequate scrutiny, and a public register of enforcement outcomes that investors can consult easily. None of these would require new legislation; all of them would require the will to use powers that already exist.",
				"Minority shareholders do not need another annexure. They need confidence that when something goes wrong, someone will be held to account within a reasonable time. Only then will the extra pages be worth the paper they are filed on.",
			},
		},
		{
			Slug:     "reading-a-cement-cycle-from-dealer-prices",
			Headline: "Reading the cement cycle from dealer prices, not from capacity plans",
			Summary:  "Capacity announcements tell you what producers hope for; the price a dealer pays for a bag tells you what the market will bear.",
			Section:  "smart-investor",
			Author:   "Meera Iyer",
			DaysAgo:  1,
			Hour:     7,
			Paragraphs: []string{
				"Cement makers have announced close to 150 million tonnes of new capacity over the next three years, and each announcement is presented as a sign of confidence in construction demand. Investors who buy the sector on those plans alone tend to arrive late: capacity is a promise about supply, and it says little about whether buyers will pay for it.",
				"A more useful signal is the price dealers pay producers for a 50-kilogram bag, which a handful of brokerages survey every fortnight across about forty towns. When dealer prices hold through the monsoon, when building slows, producers have pricing power; when they slip in the first dry weeks after it, discounts are being offered quietly to move stock.",
				"In the survey published this week, dealer prices in the south fell for the third fortnight running while those in the north and centre were flat. That pattern has preceded weaker quarterly margins for southern producers in four of the last five years, because their plants run at lower utilisation and compete harder for each order.",
				"Freight is the other number to watch. Cement is heavy and cheap, so a producer whose plants sit far from its markets loses margin to diesel and rail charges before it loses it to competitors. Companies with grinding units near large cities have kept their cost per tonne steady even as fuel prices rose.",
				"None of this argues against the sector over a full cycle: housing and roads will need the cement. It argues for buying on evidence from the market rather than on the confidence of press releases, and for preferring producers whose costs would let them ride out a season of lower prices.",
			},
		},
		{
			Slug:     "what-a-falling-bond-yield-means-for-bank-stocks",
			Headline: "What a falling bond yield means for bank stocks, and what it does not",
			Summary:  "Treasury gains flatter one quarter's profits; the slower change in what depositors demand decides the next several.",
			Section:  "smart-investor",
			Author:   "Kabir Sethi",
			DaysAgo:  2,
			Hour:     8,
			Paragraphs: []string{
				"The yield on the ten-year government bond has fallen about forty basis points since the summer, and bank shares have risen with it. The link is real but often misread: a falling yield raises the value of the bonds banks hold, and that gain appears in the quarter's profit, but it is earned once.",
				"What matters more over several quarters is the gap between what a bank earns on its loans and what it pays for deposits. When rates fall, loans linked to an external benchmark reprice within weeks, while fixed deposits reprice only as they mature. For a while, the gap narrows before it widens.",
				"Banks with a large share of current and savings accounts, on which they pay little, feel that squeeze least. Those that grew fast by offering higher rates on term deposits feel it most, and their margins can fall for two or three quarters after the first rate cut even as their treasury desks report gains.",
				"Investors can read the exposure from each bank's disclosures: the share of loans tied to the external benchmark, the share of deposits maturing within a year, and the size of the bond book held for trading rather than to maturity. Together they say how much of the next year's profit is a one-off and how much will last.",
				"A falling yield is good news for the sector as a whole. It is better news for the banks that paid least for their deposits, and investors who buy the whole sector on the bond market's move are paying for a gain that only some of them will keep.",
			},
		},
	}
}
