"""The deployed stack on AWS (`--aws-stack NAME`): read-only calls to CloudFormation, ECS, the load
balancer, CloudWatch Logs, IAM and Secrets Manager, every one bounded (canvas_doctor.aws_transport).

- session.py: the bounded clients of the stack's region, each call recorded by its IAM action name;
- reader.py: what the stack is (status, events, template, resources, ECS services, task definitions,
  stopped tasks, target groups, log lines), read once and shared by the checks (the `aws_stack` input);
- containers.py: the running task definitions' containers as the Service model the rules judge;
- judge.py: runs the CloudFormation rules on the deployed template and on the running task definitions;
- policy.py: the least-privilege IAM policy the doctor needs (data/aws-doctor-policy.json).
"""
