"""The words of the demo (entrypoints/demo.py): action titles, weekly reviews,
commitments and replies, written for each person's story.

The demo takes them in turn, never by a random draw, so the journal and the mentor's
timeline vary while the seed alone still decides the dates and the counts. Tables are
'|'-separated text; an indented line continues the row above it.
"""

from __future__ import annotations

# For each row of demo.ACTS_TABLE, named by its own title: the titles its later uses
# take in turn, one "title | notes" a line ({n}: the how-many-th use of the row).
ACTION_TITLES: dict[str, str] = {
    # Amara: analyst to product manager
    "Finished module {n} of the analytics course": """
Finished module {n} of the analytics course | The funnel maths finally made sense.
Finished module {n} of the analytics course | Built a retention cohort from scratch.
Finished module {n} of the analytics course |
  The A/B testing module: power, not just p-values.
Finished module {n} of the analytics course | Quiz passed on the second try.
""",
    "Led a discovery interview for onboarding": """
Ran a discovery call with a new customer's admin |
  They never open the onboarding email; they ask a colleague.
Synthesised five onboarding interviews into themes |
  Three of five stalled at importing their data.
Co-led a discovery workshop with design |
  Sketches on the wall beat my spreadsheet for once.
Tested the onboarding prototype with two customers |
  Both skipped the tour and went straight to import.
Facilitated a problem-framing session for onboarding |
  Agreed on one problem statement in forty minutes.
""",
    "Coffee chat with a senior PM from payments": """
Coffee chat with the growth PM about experiment design |
  She writes the decision down before the test starts.
Lunch with a former analyst who moved into product |
  The first six months are mostly saying no, she says.
Asked the payments PM how she runs roadmap reviews |
  One slide, three bets, what we stop doing.
Video call with a PM at a start-up in Lisbon | Smaller teams, wider roles.
Met the head of product for a career conversation |
  Asked what an APM here does in the first quarter.
""",
    "Worked on the onboarding case study": """
Outlined the onboarding case study | Problem, bets, result, what I would change.
Wrote the problem section of the case study |
Drew the before-and-after onboarding funnel for the case study |
Cut the case study from six pages to two |
  A hiring panel reads two pages, Daniel says.
Got feedback on the case study from a PM friend |
  She wants more about the trade-offs I made.
""",
    "Presented the churn analysis to product": """
Shared the onboarding funnel dashboard at the product sync |
  The team now checks it before planning.
Walked the sales leads through the churn drivers |
  They asked for a monthly version.
Presented the pricing experiment readout |
  Recommended we stop the test early; the team agreed.
Wrote the product newsletter's data corner |
Presented my feature's first-month results at all-hands |
  First time speaking to the whole company.
""",
    "Prepared questions for my session with Daniel": """
Wrote down what to ask Daniel about the APM interview loop |
Drafted my stakeholder map to go through with Daniel |
Summarised my month for Daniel in five bullet points |
Noted where I hesitate to make product calls, for Daniel |
Prepared a roadmap trade-off to role-play with Daniel |
Listed the feedback I want from Daniel on my case study |
""",
    "Read a chapter of 'Inspired'": """
Read a chapter of 'Continuous Discovery Habits' | Interview every week, not once.
Read the opportunity solution tree article twice |
Listened to a podcast on product sense | Product sense is taste you can explain.
Read a chapter of 'Escaping the Build Trap' | Outcomes over outputs, again.
Read three PM job descriptions closely |
  Each one asks for discovery experience I now have.
""",
    # Lukas: backend developer to tech lead
    "Wrote a section of the migration design doc": """
Wrote the rollback plan for the payments migration |
  Every step has an undo, or we don't take it.
Drew the event flow diagram for the migration |
Answered review comments on the migration design |
  Three reviewers, one open question on ordering.
Wrote the data backfill section of the design doc |
Estimated the migration phases with the team |
  Six weeks if nothing surprises us; it will.
""",
    "Talked the rollout through with the SRE lead": """
Agreed the migration's alerting thresholds with SRE |
Walked the on-call team through the cut-over runbook |
Checked the rollout window against the freeze calendar with SRE |
Reviewed the payments dashboards with the SRE lead |
Asked SRE what went wrong in the last big migration |
""",
    "Drafted slides for the meetup talk": """
Sketched the story arc of the meetup talk | Start with the outage, not the design.
Drafted the diagrams for the talk's middle section |
Did a dry run of the talk with Kenji | He lost the thread at slide twelve.
Cut the talk's slides down to twenty minutes |
""",
    "Watched a talk on strangler-fig migrations": """
Read Martin Fowler's piece on event-driven migrations |
Watched a talk on running payments through two systems at once |
Read a post-mortem of a failed payments migration |
  They cut over in one night; we will not.
Read a chapter of 'The Staff Engineer's Path' |
Watched a panel on the first year as a tech lead |
""",
    "Paired with a junior engineer on payment tests": """
Reviewed a junior engineer's first payments pull request |
Explained idempotency keys to the new hire at the whiteboard |
Paired on a flaky settlement test | The clock, again.
Ran a lunch-and-learn on our payment state machine |
Helped a teammate split a big refactoring into small PRs |
""",
    "Looked at staff engineer openings elsewhere": """
Read two staff engineer job ads in Berlin |
  Both want someone who has led a migration.
Updated my CV, just in case |
Compared my level with a friend's at a bank |
Browsed a recruiter's message about a fintech |
Looked at what tech leads earn in Munich |
""",
    "Blocked two focus mornings in my calendar": """
Declined two meetings to protect migration time |
Moved my focus block to Tuesday after sprint planning ate it |
Turned off chat notifications for a morning |
Tidied the migration board and closed stale tickets |
Set a weekly reminder to update the design doc |
""",
    # Priya: manual QA, a rut, then test automation
    "Read a chapter of the ISTQB syllabus": """
Did a mock ISTQB exam question set | Twelve of twenty; guessed most.
Watched an ISTQB prep video | Fell asleep halfway.
Read the ISTQB section on test techniques |
""",
    "Scrolled job boards for an hour": """
Looked at QA job ads again | Every one asks for Selenium or Playwright.
Compared salaries for manual and automation testers |
Scrolled LinkedIn instead of studying | Felt worse afterwards.
""",
    "Wrote down what drains me at work": """
Listed the parts of my job I still enjoy | Finding the strange bugs.
Noted how many hours went to manual regression | Nineteen this week.
Wrote down what I would do with a free evening |
""",
    "Finished lesson {n} of the pytest course": """
Finished lesson {n} of the pytest course | Fixtures make sense now.
Finished lesson {n} of the pytest course | Parametrised tests: one test, ten cases.
Finished lesson {n} of the pytest course | Mocking is less scary than it sounds.
""",
    "Automated another checkout regression test": """
Automated the discount-code checkout test | Caught a real rounding bug.
Automated the guest checkout regression test |
Turned the saved-cards manual check into a Playwright test |
Automated the failed-payment retry test |
  Needed a stub for the payment provider.
Refactored the checkout tests into page objects |
  Half the code, twice as readable.
""",
    "Coffee chat with the platform team's SDET": """
Asked the platform SDET how they keep tests fast |
  Parallel runs and no sleeps, ever.
Sat in on the platform team's test review |
Talked to a developer about adding test ids |
Asked a former QA colleague how she moved into automation |
  She automated one boring thing first, then another.
Joined the test automation guild's monthly call |
""",
    "Updated my profile: automation first, manual second": """
Put my checkout test suite on GitHub |
Wrote a short post about automating our smoke tests |
Added the pytest course certificate to my profile |
Rewrote my CV summary around test automation |
Updated my portfolio with the regression suite results |
""",
    "Demoed the automated smoke tests": """
Showed the team the nightly test report |
  My lead asked to add it to the release checklist.
Demoed the checkout suite at sprint review |
Shared the automated test count in the team channel |
Walked product through what the new tests catch |
""",
    # Daniel: the mentor
    "Reviewed a mentee's goal roadmap": """
Read a mentee's weekly review before our call |
Prepared questions for a mentee's quarterly check-in |
Wrote feedback on a mentee's milestone plan |
Reviewed a mentee's portfolio case study draft |
Went through a mentee's stalled goal to find the blocker |
Checked in with a mentee after a hard week |
""",
    "Ran open office hours on career moves": """
Hosted a lunch session on moving into management |
Ran a workshop on writing a promotion case |
Answered questions on career ladders at the engineering all-hands |
Held office hours on switching from IC to lead |
Ran a session on negotiating a new role internally |
Spoke on a panel about career changes into tech |
""",
    "Read about situational leadership": """
Read a chapter of 'The Manager's Path' |
Reread 'The Coaching Habit' for my sessions |
Listened to a podcast on sponsorship versus mentoring |
Read research on how career changers succeed |
Read a chapter of 'Radical Candor' |
Read an essay on asking better questions |
""",
    # Sofia: the facilitator
    "Ran this week's accountability circle": """
Ran the accountability circle on what we said no to |
  Three people named a meeting they will drop.
Facilitated the circle's round on asking for help early |
  Two pairs of buddies set up extra check-ins.
Ran the circle session on the step we keep postponing |
  Everyone named one; most had done it by Friday.
Hosted the circle's show-and-tell of the month's wins | Five wins in twenty minutes.
Ran the circle session on rest without guilt | Planned rest counts as progress.
Ran the circle's retrospective round | Keep: buddies. Change: shorter updates.
""",
    "Practice coaching session with a peer": """
Recorded a practice coaching session for feedback |
Observed a mentor coach's session |
Practised powerful questions in a triad |
Coached a colleague through a career decision |
""",
    "Met the HR lead about sponsoring the circle": """
Asked two managers to support their people in the circle |
Pitched a second circle to the HR leadership team |
Shared circle results with the learning team |
Met the L&D lead about a circle toolkit |
Asked a VP to sponsor next quarter's circles |
""",
    "Wrote an internal post on the circle": """
Posted the circle's halfway results on the intranet |
Wrote a how-to for running a peer circle |
Shared a member's win (with permission) in the people newsletter |
Recorded a short video about the circle for new joiners |
Wrote up the circle's lessons for the HR blog |
""",
    "Read a chapter of 'The Coaching Habit'": """
Read a chapter of 'Co-Active Coaching' |
Read the ICF core competencies again |
Read an article on group coaching | Hold the space, not the agenda.
Listened to a coaching podcast on accountability |
Read a chapter of 'Atomic Habits' for the circle |
Read a paper on peer mentoring at work |
""",
    "Booked the room and sent the circle agenda": """
Sent the circle reminder with this week's question |
Collected updates from members before the circle |
Shared the circle's notes and next steps |
Set up the circle's shared wins board |
Rescheduled the circle around a public holiday |
""",
    # Kenji: graphic designer to UX researcher
    "Finished a lesson of the UX research course": """
Finished the course lesson on usability testing |
  Five users find most of the problems.
Finished the course lesson on survey design | Never ask two things at once.
Did the course exercise on affinity mapping |
Finished the course lesson on research ethics |
Finished the course lesson on synthesis | Themes are not quotes.
""",
    "Ran user interview {n} for my side project": """
Ran user interview {n} for my side project | She made a spreadsheet to cope.
Ran user interview {n} for my side project |
  Let the silence work; he filled it.
Ran user interview {n} for my side project | Watched, then asked why.
""",
    "Reworked my portfolio around research": """
Rewrote my portfolio's about page as a researcher |
Turned a branding project into a research story |
Added interview synthesis boards to my portfolio |
Drafted the side project case study | Question, method, findings, change.
Asked a designer friend to review my portfolio |
""",
    "Call with a UX researcher at a fintech": """
Informational interview with a researcher at an e-commerce firm |
Asked a UX research manager what she looks for in juniors |
  Curiosity and clear writing, she said.
Chatted with a designer who moved into research last year |
Call with a research ops lead about how teams work |
Had a portfolio review with a senior researcher |
""",
    "Went to the Tokyo UX meetup": """
Went to a talk on accessibility research | Recruit the users you forget.
Joined an online UX research community call |
Volunteered at the Tokyo UX meetup's check-in desk |
Went to a research show-and-tell at a design agency |
Attended a workshop on diary studies |
Met two researchers at a design conference |
""",
    "Compared UX bootcamps with learning on the job": """
Read reviews of two UX research bootcamps |
Asked my manager about a research secondment |
Priced a part-time research certificate |
Mapped which research skills my design job already uses |
Listed research tasks I could take on at work |
""",
}

# Each person's weekly reviews, a row for each week of the story with a review (the
# review levels of demo.PEOPLE_TABLE): story week | what went well | where I am
# stuck | lessons.
REVIEWS: dict[str, str] = {
    "amara": """
0 | Set my two goals and Daniel said yes to mentoring me.
  | Not sure how to split my time between the certificate and the PM goal.
  | Writing the why down made the goals feel real.
1 | First course module done and my first discovery interview led.
  | Finding quiet time for the course on weekdays.
  | Study time booked in the calendar happens; study time hoped for does not.
2 | Shadowing discovery sessions showed me how PMs ask questions.
  | Turning interview notes into something the team acts on.
  | Listening for the problem beats pitching the solution.
3 | The churn analysis landed; two teams want the dashboard.
  | Picking a small feature to own that my manager will agree to.
  | Sharing work early gets better feedback than polishing it.
4 | Priya and I had our first buddy check-in.
  | Ad-hoc data requests keep eating my mornings.
  | A buddy makes skipping a week visible, in a good way.
5 | My manager agreed that I own the onboarding checklist feature.
  | Writing acceptance criteria without sounding like an analyst.
  | Asking 'what would change your mind?' unlocks stakeholders.
6 | The onboarding checklist shipped, and I owned it end to end.
  | Measuring its impact before the quarter ends.
  | Owning an outcome means chasing the follow-up, not only the launch.
7 | All eight modules done; the A/B module changed how I read experiments.
  | Nothing blocking; keeping energy for the last module.
  | Studying before work on Tuesdays and Thursdays is my sweet spot.
8 | Certificate achieved: eight modules in eight weeks.
  | Deciding what to fill the freed study slots with.
  | Finishing something small builds belief for the big goal.
9 | Half the case study drafted; Daniel's questions sharpened it.
  | Cutting the case study down to what a hiring panel reads.
  | The story of one decision beats a tour of every chart.
10 | The onboarding case study is on my portfolio.
  | Working up the nerve to ask for the APM interview loop.
  | Evidence makes the ask easier, and now I have it.
11 | Booked a slot with my manager to talk about the APM loop.
  | Rehearsing the conversation without over-scripting it.
  | Twelve weeks of small steps added up to a real case.
""",
    "lukas": """
0 | Daniel agreed to mentor me and the design doc has an outline.
  | Where to draw the line between coding and leading.
  | Writing the plan down exposes the gaps quickly.
1 | The first slides for the meetup talk are drafted.
  | Picking one story for the talk instead of five.
  | Explaining the migration to a junior shows me what is still unclear.
2 | The migration design doc went out for review.
  | Getting the SRE team to commit to a rollout window.
  | Reviewers engage more when the doc admits its open questions.
3 | Twelve slides, and Kenji is a patient audience.
  | Finding a slot for the design review in everyone's calendar.
  | A buddy's questions are kinder than a meetup audience's.
4 | Paired with our junior on payment tests; she shipped her first fix.
  | Sprint firefighting ate my migration time again.
  | Protecting two mornings a week matters more than I admit.
5 | Kept the design review on the calendar, just.
  | Nobody has defined the tech lead role, so I don't know what to push.
  | I wait for permission more than I thought.
6 | The meetup moved its deadline, so the talk has more room.
  | Without a deadline the slides stopped moving.
  | Deadlines I don't own don't keep me going.
7 | Fixed a production incident. Not goal work, but it counted for something.
  | The migration feels like nobody's priority but mine.
  | Firefighting feels productive and leaves the goal untouched.
9 | Not much beyond the day job, if I'm honest.
  | I open the design doc and close it again.
  | Avoiding the doc makes it heavier every week.
11 | Daniel's suggestion to agree the scope with my manager makes sense.
  | Starting the conversation about what the tech lead role is.
  | The stall is about the role, not about the code.
""",
    "priya": """
0 | I read one chapter of the ISTQB syllabus.
  | Regression week leaves me with nothing in the evenings.
  | Scrolling job boards makes me feel worse, not better.
2 | Not much. I wrote down what drains me at work.
  | I can't see the point of studying for an exam I don't want.
  | Everything on my list of what drains me is manual testing.
4 | I asked Daniel to mentor me, the first step in months.
  | Every job I want asks for automation experience I don't have.
  | Asking for help was smaller than I had built it up to be.
5 | Dropped the ISTQB exam and set a goal I actually want.
  | Still doubting that I can write real test code.
  | Letting go of the wrong goal freed more energy than any plan.
6 | My first automated checkout test is merged and green in CI.
  | Flaky locators ate most of an evening.
  | A data-testid is worth asking the developers for.
7 | Finished the Python testing course; the pytest one is next.
  | Turning course exercises into tests for our real app.
  | Fifteen minutes a day beats a lost weekend.
8 | My team noticed the automated regression tests.
  | Keeping the suite fast as it grows.
  | Visible numbers keep me going on bad days.
9 | Demoed the smoke tests, and my lead asked for more.
  | Choosing which manual checks to automate next.
  | Showing work beats describing it.
10 | A day pairing with the platform team on their CI pipeline.
  | Understanding the pipeline's caching.
  | Pairing teaches in a day what docs teach in a week.
11 | My profile now says automation first, and the suite backs it up.
  | Writing up the results for my team presentation.
  | I am not the person stuck in a rut any more.
""",
    "daniel": """
3 | Amara and Lukas both have clear roadmaps after our first sessions.
  | Keeping my own reading going between mentee calls.
  | The best sessions start with the mentee's question, not my advice.
7 | Priya restarted; her first green test was the highlight of my month.
  | Lukas has gone quiet and I haven't found the right nudge.
  | Pointing at the smallest next step helps more than encouragement.
11 | Amara published her case study and Priya paired with the platform team.
  | How far to push Lukas without taking over his goal.
  | A stalled goal often hides an unclear role; ask about that first.
""",
    "sofia": """
0 | Created the circle, and four colleagues said yes.
  | Finding a slot that works from São Paulo to Tokyo.
  | People join for the people, not for the tool.
1 | The first circle session ran; everyone shared a goal.
  | Keeping the session to an hour with five people.
  | A clear agenda makes space for the real conversation.
2 | Paired Amara with Priya and Lukas with Kenji.
  | Priya joined late and is very quiet.
  | Pairing by rhythm matters more than pairing by role.
3 | My practice coaching hours are adding up.
  | Holding back from giving advice while I coach.
  | A good question does more work than my advice.
4 | Every win got cheers from the circle this week.
  | Lukas seems to be drifting, and I'm not sure it's my place to ask.
  | Celebrating small wins keeps the circle warm.
5 | Priya restarted and the circle rallied around her.
  | The credential and the circle both want my evenings.
  | Naming the trade-off out loud made it easier to choose.
6 | Halfway feedback: everyone wants to keep going.
  | Pausing the coaching credential still stings a little.
  | Pausing a goal on purpose is not the same as dropping it.
7 | The HR lead offered to sponsor a second circle.
  | Writing the circle up so that others could run one.
  | What is obvious to me needs writing down for others.
8 | Amara's certificate was the circle's big celebration.
  | Keeping energy up in week nine of twelve.
  | Rituals carry the group when motivation dips.
9 | My internal post on the circle got forty reactions.
  | Reaching Lukas without putting him on the spot.
  | A private check-in works better than a nudge in the group.
10 | Kenji shared his interview findings and the room lit up.
  | Planning how to close the circle well.
  | Peers' stories motivate more than any framework.
11 | Sent the closing session's agenda and everyone confirmed.
  | Deciding whether to run the next circle or hand it on.
  | Twelve weeks is long enough to change a habit and short enough to commit to.
""",
    "kenji": """
0 | Set my UX research goal and joined the circle.
  | Not knowing where a designer starts in research.
  | My eye for detail is a research skill too.
1 | Two lessons of the research course done.
  | Research jargon makes me feel like an outsider.
  | Learning in public in the circle takes the edge off.
2 | Lukas is my buddy now; he asked good questions about my plan.
  | Choosing a side project to interview people about.
  | A small project I care about beats a perfect one.
3 | My side project interviews are under way.
  | I kept asking leading questions.
  | Ask about the last time, not about the future.
4 | The UX research course is finished.
  | Fitting goal work around a client deadline.
  | Planning my actions into the calendar keeps the week honest.
5 | Booked my holiday and planned my actions around it.
  | Worried the week away will break my rhythm.
  | Planning rest is part of the plan.
7 | Back from holiday, and my streak survived the week away.
  | Getting back into interviews after the break.
  | Rest made the interview notes easier to see clearly.
8 | My portfolio now leads with research instead of visuals.
  | Explaining my career change in one sentence.
  | Show the research process, not only the polished result.
9 | Finished my round of five user interviews.
  | Synthesising interviews into themes takes me ages.
  | Affinity mapping works better for me on paper than on screen.
10 | A UX researcher at a fintech reviewed my case study draft.
  | Deciding between a bootcamp and learning on the job.
  | People in the field are generous with their time when asked specifically.
11 | Asked Daniel to mentor me through the switch.
  | Waiting to hear back makes me restless.
  | The switch feels possible now, not just a wish.
""",
}

# Reviews in the weeks before the story's twelve (a span longer than twelve weeks),
# by mood, taken in turn: mood | what went well | where I am stuck | lessons
EARLIER_REVIEWS = """
low | I showed up, at least. | I can't see the point of starting.
  | Waiting to feel motivated does not work.
low | I opened the course once. | Evenings vanish into scrolling.
  | Tiny steps still count.
low | Logged one small thing. | The goal feels too far away.
  | A five-minute version is better than none.
low | Read for ten minutes on the train. | I keep waiting for a free evening.
  | Free evenings don't come; they are made.
low | Told a friend about my goal. | Too tired after work to start.
  | Saying the goal out loud makes it harder to drop.
mid | Kept the rhythm on most days. | Work crowded out my goal time.
  | Planning the week on Monday helps.
mid | Got one real thing done. | Unsure which step matters most.
  | A missed day is not a lost week.
mid | Found a regular slot for goal work. | Meetings creep into it.
  | Guarding the slot is half the work.
mid | Finished what I planned, just. | Energy dips on Thursdays.
  | Hard things go first in the week.
high | Everything I planned happened. | Saying no to extra meetings.
  | Small steps compound faster than I thought.
high | Felt like the old me again. | Nothing big; pacing myself.
  | Asking early saves weeks.
high | A step I had postponed for weeks is done. | Choosing what comes next.
  | Momentum makes the next step smaller.
high | Two good conversations moved the goal on. | Following up on both.
  | People help when the ask is specific.
"""

# Each person's commitments as "when | then": the first six stand before the turn of
# their story (demo.TURN), the last six after it.
COMMITMENTS: dict[str, str] = {
    "amara": """
When I open my laptop on Tuesday | I will do 25 minutes of the course first
When I finish lunch on Thursday | I will send one message to a PM I admire
If an ad-hoc data request lands before ten | I will answer it after my study slot
When I finish a discovery interview | I will write three takeaways the same day
If I feel stuck for more than a day | I will ask Priya for a nudge
When Friday afternoon comes | I will log what I did this week
When I sit down on Monday morning | I will pick one product decision to own this week
If a stakeholder pushes back | I will ask what would change their mind
When I finish a case study section | I will send it to one person for feedback
If I skip a planned step | I will do a five-minute version instead
When my feature's numbers come in | I will share them in the product channel
Before my session with Daniel | I will write down the question I am avoiding
""",
    "lukas": """
When I open my laptop on Tuesday | I will spend the first hour on the design doc
If a meeting eats my focus block | I will move it, not drop it
When I finish a slide | I will show it to Kenji
If an incident pulls me away | I will write down where I stopped
When Friday afternoon comes | I will update the migration board
When I finish lunch on Wednesday | I will answer one review comment
When I open the design doc | I will write one paragraph before anything else
If I avoid the migration for a day | I will tell Kenji
When my manager's one-to-one comes | I will ask what the tech lead role is
If the week gets busy | I will keep one focus morning
When Daniel writes | I will reply the same day
Before I close my laptop on Friday | I will pick Monday's first step
""",
    "priya": """
When I get home on Monday | I will read five pages of the syllabus
If I open a job board | I will close it after ten minutes
When regression week starts | I will write down one thing I learned
If I feel stuck for more than a day | I will message Amara
When Saturday morning comes | I will look at my goals for five minutes
If I skip a planned step | I will do a five-minute version instead
When I log in on Monday | I will automate one manual check first
If a test is flaky | I will fix the locator before writing a new one
When I finish a pytest lesson | I will use it on one real test the same week
When a test goes green in CI | I will post it in the team channel
If I feel like an impostor | I will reread my list of merged tests
When Saturday morning comes | I will plan the week's three automation steps
""",
    "daniel": """
Before each mentee session | I will reread their last review
When a mentee goes quiet for two weeks | I will send a short check-in
When I finish a session | I will write down one question to follow up
If I want to give advice | I will ask a question first
When the month ends | I will write my own review
When a mentee has a win | I will cheer it within a day
Before each mentee session | I will pick one goal to focus on
When a mentee is stuck | I will suggest the smallest next step
If a goal stalls | I will ask about the role before the plan
When a mentee asks for help | I will answer within a day
When I read a useful article | I will share it with one mentee
When the month ends | I will note what each mentee moved forward
""",
    "sofia": """
When Monday morning comes | I will send the circle agenda
When the circle ends | I will write down each member's next step
If a member misses a session | I will message them kindly the same day
When I finish lunch on Wednesday | I will do one coaching practice exercise
If a meeting eats my coaching slot | I will move it, not drop it
When Friday afternoon comes | I will log my coaching hours
When Monday morning comes | I will share one member's win with the circle
If a member goes quiet | I will check in privately, not in the group
When the circle ends | I will ask what we should change next time
When Thursday comes | I will write one paragraph of the circle guide
If I feel the circle's energy dip | I will bring a small celebration
When Friday afternoon comes | I will plan next week's question
""",
    "kenji": """
When I open my laptop on Monday | I will plan this week's three actions in the calendar
When I finish a course lesson | I will apply it to my side project
If a client deadline eats my evening | I will do a fifteen-minute version
When Wednesday evening comes | I will message one researcher
When I finish work on Friday | I will log what I did this week
If I feel like an outsider | I will reread my interview notes
When I finish an interview | I will write up the notes the same evening
When the holiday ends | I will book one interview in my first week back
If I catch myself asking a leading question | I will ask about the last time instead
When I get feedback on my portfolio | I will change one thing the same week
When Sunday evening comes | I will check my streak and plan the week
If synthesis drags on | I will stop after an hour and share what I have
""",
}

# The mentor's replies to his mentees' reviews, by the review's mood, taken in turn.
REPLIES = """
low | Thanks for being honest. What is one 15-minute step for this week?
low | A hard week. What would make next week ten percent easier?
low | You noticed what drains you - that is data. What gives you energy?
low | No judgement here. Shall we find twenty minutes to talk?
low | What is in the way, really? Let's look at it together.
mid | Solid week. Which step would move the goal most next?
mid | Good rhythm. What could you stop doing to make room?
mid | You are further on than it feels. What did you learn about your week?
mid | Steady is underrated. Keep the slot you found.
mid | Nice. What would you tell someone one step behind you?
mid | Which of your commitments felt easiest? Why was that?
high | Great momentum - celebrate it.
high | Visible progress. What made it work?
high | This is what owning an outcome looks like. Well done.
high | Strong week. Who should hear about this?
high | Lovely to read. What is the next bold step?
high | You are building a real track record. Write it down somewhere.
high | Keep going - and protect the rest you need, too.
high | Proud of this. What will you try next week?
"""

# A buddy's word on a win, taken in turn.
BUDDY_NOTES = (
    "So good to see this - how did it feel?",
    "Proud of you. Same again?",
    "This is brilliant. What did you learn from it?",
    "Yes! That took courage.",
    "Love this. Tell me more at our next check-in.",
    "You make it look easy - I know it wasn't.",
    "Another one! You're on a roll.",
    "Saw this and smiled. Well earned.",
)
